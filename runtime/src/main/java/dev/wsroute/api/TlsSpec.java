package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class TlsSpec {
    @JsonPropertyDescription("Name of a kubernetes.io/tls Secret in the route's namespace.")
    public String secretName;

    @JsonPropertyDescription("Redirect plain http:// requests for these hosts to https:// (308).")
    public Boolean redirect;

    @JsonPropertyDescription("Standalone mode only: PEM certificate chain file, instead of a Secret.")
    public String certFile;

    @JsonPropertyDescription("Standalone mode only: PEM private key file, instead of a Secret.")
    public String keyFile;
}

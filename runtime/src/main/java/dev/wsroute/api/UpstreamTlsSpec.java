package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class UpstreamTlsSpec {
    @JsonPropertyDescription("Speak TLS to the backends.")
    public Boolean enabled;

    @JsonPropertyDescription("Secret (any type) whose ca.crt verifies the backends' certificates; absent: the JVM's trust store.")
    public String caSecretName;

    @JsonPropertyDescription("Standalone mode only: PEM file of CA certificates, instead of caSecretName.")
    public String caFile;

    @JsonPropertyDescription("Server name sent (SNI) and checked against the backend certificate.")
    public String sni;

    @JsonPropertyDescription("Skip verification of the backend certificate. Explicit opt-in, for tests only.")
    public Boolean insecureSkipVerify;
}

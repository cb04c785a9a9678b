package dev.wsroute.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The spec of a WebSocketRoute (wsroute.dev/v1alpha1), as users write it: the wire format shared by
 * the routes file and the Kubernetes resource. It is validated into {@link dev.wsroute.model.Route}.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class WebSocketRouteSpec {
    @JsonPropertyDescription("Host names this route serves; a leading '*.' is a wildcard. Empty: any host.")
    public List<String> hosts;

    @JsonPropertyDescription("TLS termination for these hosts, from a kubernetes.io/tls Secret chosen by SNI.")
    public TlsSpec tls;

    @JsonPropertyDescription("WebSocket rules, tried in order; the first whose match holds wins.")
    public List<RuleSpec> rules;

    @JsonPropertyDescription("Where plain (non-upgrade) HTTP requests for these hosts go.")
    public HttpSpec http;
}

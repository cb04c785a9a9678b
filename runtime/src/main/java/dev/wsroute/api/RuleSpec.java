package dev.wsroute.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class RuleSpec {
    @JsonPropertyDescription("The rule's name, unique in the route (a DNS label). Optional: it keeps the rule's state (health,"
            + " ejections, connection counts) and its open sockets across edits of its match; unnamed, a rule is known by its match.")
    @Pattern("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
    public String name;

    @JsonPropertyDescription("What a WebSocket upgrade request must look like for this rule to apply.")
    public MatchSpec match;

    @JsonPropertyDescription("Edits made to the upgrade request before it is sent upstream.")
    public RewriteSpec rewrite;

    @JsonPropertyDescription("Where matching upgrades go.")
    @Required
    public List<BackendSpec> backends;

    @JsonProperty("upstreamTLS")
    @JsonPropertyDescription("TLS from wsroute to the backends (wss:// to the pods).")
    public UpstreamTlsSpec upstreamTLS;

    @JsonPropertyDescription("How an endpoint is picked for each new connection.")
    public LoadBalancerSpec loadBalancer;

    @JsonPropertyDescription("Origins allowed to open a WebSocket; empty: any. A request without Origin passes.")
    public List<String> allowedOrigins;

    @JsonPropertyDescription("Most open WebSockets this rule holds at once (per wsroute replica); 503 above it.")
    @Min(1)
    public Integer maxConnections;

    @JsonPropertyDescription("Handshake, idle and lifetime limits.")
    public TimeoutsSpec timeouts;

    @JsonPropertyDescription("Largest message (all its frames) either side may send, as a quantity such as 1Mi; a larger one"
            + " gets Close 1009 to its sender and 1001 to the other side. Absent: no limit.")
    public ByteQuantity maxMessageSize;

    @JsonPropertyDescription("Limit on new upgrades per client address.")
    public RateLimitSpec rateLimit;

    @JsonPropertyDescription("Active probes and passive ejection of endpoints; an unhealthy endpoint takes no new connections.")
    public HealthCheckSpec healthCheck;

    @JsonPropertyDescription("Shed sockets from the endpoints most over their weighted share (Close 1012) after the pool grows;"
            + " not on ConsistentHash rules. Off when absent.")
    public RebalanceSpec rebalance;
}

package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "self.type == 'TCP' || has(self.path)", message = "path is required for WebSocket and HTTP probes")
public class ActiveHealthCheckSpec {
    @JsonPropertyDescription("WebSocket: upgrade on path, send a ping, expect the pong within timeout. HTTP: GET path, expect"
            + " 2xx or 3xx. TCP: the connection is accepted.")
    @Required
    public Type type;

    @JsonPropertyDescription("Path (and query) probed by WebSocket and HTTP checks; must start with '/'.")
    @Pattern("^/.*")
    public String path;

    @JsonPropertyDescription("Time between two probes of one endpoint; probes of a pool are spread over it. Default 5s.")
    @Pattern(Durations.PATTERN)
    public String interval;

    @JsonPropertyDescription("Time a probe may take, at most the interval. Default 2s.")
    @Pattern(Durations.PATTERN)
    public String timeout;

    @JsonPropertyDescription("Consecutive passed probes that make an unhealthy endpoint healthy. Default 2.")
    @Min(1)
    @Max(100)
    public Integer healthyThreshold;

    @JsonPropertyDescription("Consecutive failed probes that make a healthy endpoint unhealthy. Default 3.")
    @Min(1)
    @Max(100)
    public Integer unhealthyThreshold;

    public enum Type { WebSocket, HTTP, TCP }
}

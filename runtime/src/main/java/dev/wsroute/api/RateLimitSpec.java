package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class RateLimitSpec {
    @JsonPropertyDescription("New WebSocket upgrades per second per client address (the TCP peer) on this rule, with a burst of"
            + " as many; above it 429 with Retry-After. Counted per wsroute replica.")
    @Required
    @Min(1)
    @Max(1_000_000)
    public Integer handshakesPerClient;
}

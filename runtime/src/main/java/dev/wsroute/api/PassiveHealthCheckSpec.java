package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class PassiveHealthCheckSpec {
    @JsonPropertyDescription("Consecutive failures (connect refused or timed out, upgrade answered 5xx, upstream gone with"
            + " 1006/1011 within 10 s of its 101) that eject an endpoint. Normal closes never count. Default 5.")
    @Min(1)
    @Max(1000)
    public Integer consecutiveFailures;

    @JsonPropertyDescription("How long the first ejection lasts; each repeat doubles it, up to 10 times as long. Default 30s.")
    @Pattern(Durations.PATTERN)
    public String baseEjectionTime;

    @JsonPropertyDescription("Most endpoints of the pool ejected at once, in percent (rounded down). Default 50.")
    @Min(0)
    @Max(100)
    public Integer maxEjectionPercent;
}

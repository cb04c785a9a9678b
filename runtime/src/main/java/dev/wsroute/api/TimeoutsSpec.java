package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class TimeoutsSpec {
    @JsonPropertyDescription("Time for the upstream to answer the upgrade (connect included); 504 after it. Default 10s.")
    public String handshake;

    @JsonPropertyDescription("A WebSocket with no traffic either way for this long is closed (1001). Default 1h.")
    public String idle;

    @JsonPropertyDescription("A WebSocket this old is closed (1001); each socket's deadline is spread by +/-10 %. Absent: no limit.")
    @Pattern(Durations.PATTERN)
    public String maxDuration;
}

package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class RebalanceSpec {
    @JsonPropertyDescription("An endpoint above its weighted share (the mean, where weights are equal) x (1 + tolerance/100)"
            + " + 1 open sockets sheds sockets with Close 1012 (clients reconnect to less loaded endpoints). Default 20.")
    @Min(0)
    @Max(1000)
    public Integer tolerance;

    @JsonPropertyDescription("Most sockets closed per second for rebalancing, per rule and wsroute replica. Default 20.")
    @Min(1)
    @Max(10_000)
    public Integer maxClosesPerSecond;
}

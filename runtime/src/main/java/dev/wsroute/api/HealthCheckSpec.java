package dev.wsroute.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "has(self.active) || has(self.passive)", message = "needs active or passive")
public class HealthCheckSpec {
    @JsonPropertyDescription("Probes sent by every wsroute replica to every endpoint of the rule.")
    public ActiveHealthCheckSpec active;

    @JsonPropertyDescription("Ejection of endpoints after consecutive failures seen by real traffic.")
    public PassiveHealthCheckSpec passive;
}

package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.wsroute.metrics.Meters;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.RuleIdentities;
import dev.wsroute.table.RuleKey;
import dev.wsroute.testing.LogLines;

/** {@code wsroute.health} lines name a rule by its name when it has one, else by its position; never by its match. */
class HealthLogTest {

    @Test
    void healthLinesNameTheRuleByNameOrPosition() {
        try (LogLines log = LogLines.of("wsroute.health")) {
            HealthMetrics health = new HealthMetrics(Meters.NONE);
            RouteId chat = new RouteId("default", "chat");
            health.ejected(new RuleKey(chat, RuleIdentities.named("rooms"), 2), "10.0.0.7:8080", Duration.ofSeconds(30), "connect failed");
            health.healthChanged(new RuleKey(chat, "match 0 path Prefix \"/tenant-gold\"", 0), "10.0.0.8:8080", false, "GET answered 500");

            assertThat(log.lines()).containsExactly(
                    "endpoint 10.0.0.7:8080 of default/chat rule \"rooms\" (rules[2]) ejected for 30s: connect failed",
                    "endpoint 10.0.0.8:8080 of default/chat rules[0] is unhealthy: GET answered 500; it takes no new connections");
        }
    }
}

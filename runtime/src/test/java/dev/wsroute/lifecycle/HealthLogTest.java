package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

import dev.wsroute.metrics.Meters;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.RuleIdentities;
import dev.wsroute.table.RuleKey;

/** {@code wsroute.health} lines name a rule by its name when it has one, else by its position; never by its match. */
class HealthLogTest {

    @Test
    void healthLinesNameTheRuleByNameOrPosition() {
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(r instanceof ExtLogRecord e ? e.getFormattedMessage() : r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger("wsroute.health");
        log.addHandler(capture);
        try {
            HealthMetrics health = new HealthMetrics(Meters.NONE);
            RouteId chat = new RouteId("default", "chat");
            health.ejected(new RuleKey(chat, RuleIdentities.named("rooms"), 2), "10.0.0.7:8080", Duration.ofSeconds(30), "connect failed");
            health.healthChanged(new RuleKey(chat, "match 0 path Prefix \"/tenant-gold\"", 0), "10.0.0.8:8080", false, "GET answered 500");

            assertThat(lines).containsExactly(
                    "endpoint 10.0.0.7:8080 of default/chat rule \"rooms\" (rules[2]) ejected for 30s: connect failed",
                    "endpoint 10.0.0.8:8080 of default/chat rules[0] is unhealthy: GET answered 500; it takes no new connections");
        } finally {
            log.removeHandler(capture);
        }
    }
}

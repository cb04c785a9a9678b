package dev.wsroute.lifecycle;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jboss.logging.Logger;

import dev.wsroute.model.RouteId;
import dev.wsroute.table.RuleKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Health as metrics and log lines: {@code wsroute_endpoint_healthy{route,endpoint}} (1 when the endpoint takes new
 * connections), {@code wsroute_endpoint_ejections_total{route,endpoint}} and {@code wsroute_pool_fail_open{route}}
 * (1 while a health-checked rule of the route found no healthy endpoint and uses every ready one).
 */
public final class HealthMetrics implements HealthListener {
    private static final Logger LOG = Logger.getLogger("wsroute.health");

    private final MeterRegistry meters;
    private final Map<List<String>, Meter> gauges = new HashMap<>();

    public HealthMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public void healthChanged(RuleKey rule, String endpoint, boolean healthy, String why) {
        if (healthy) {
            LOG.infof("endpoint %s of %s is healthy again: %s", endpoint, rule, why);
        } else {
            LOG.warnf("endpoint %s of %s is unhealthy: %s; it takes no new connections", endpoint, rule, why);
        }
    }

    @Override
    public void ejected(RuleKey rule, String endpoint, Duration period, String why) {
        LOG.warnf("endpoint %s of %s ejected for %s: %s", endpoint, rule, period, why);
        Counter.builder("wsroute.endpoint.ejections").description("Passive health ejections of an endpoint")
                .tag("route", rule.route().toString()).tag("endpoint", endpoint).register(meters).increment();
    }

    @Override
    public void returned(RuleKey rule, String endpoint) {
        LOG.infof("endpoint %s of %s is back from its ejection", endpoint, rule);
    }

    @Override
    public synchronized void endpointsChanged(HealthRegistry registry) {
        Set<List<String>> wanted = new HashSet<>();
        for (EndpointView h : registry.endpoints()) {
            RouteId route = h.rule().route();
            List<String> key = List.of("healthy", route.toString(), h.endpoint());
            wanted.add(key);
            gauges.computeIfAbsent(key, k -> Gauge.builder("wsroute.endpoint.healthy", registry,
                    r -> r.healthy(route, h.endpoint()) ? 1 : 0)
                    .description("1 when the endpoint takes new connections (its health checks pass), else 0")
                    .tag("route", route.toString()).tag("endpoint", h.endpoint()).register(meters));
            List<String> failOpen = List.of("fail-open", route.toString());
            wanted.add(failOpen);
            gauges.computeIfAbsent(failOpen, k -> Gauge.builder("wsroute.pool.fail.open", registry,
                    r -> r.failingOpen(route) ? 1 : 0)
                    .description("1 while a rule of the route has no healthy endpoint and sends new connections to every ready one")
                    .tag("route", route.toString()).register(meters));
        }
        gauges.entrySet().removeIf(e -> {
            if (!wanted.contains(e.getKey())) {
                meters.remove(e.getValue());
                return true;
            }
            return false;
        });
    }
}

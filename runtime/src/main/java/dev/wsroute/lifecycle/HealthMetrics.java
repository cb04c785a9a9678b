package dev.wsroute.lifecycle;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import dev.wsroute.metrics.Meters;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.RuleKey;

/**
 * Health as metrics and log lines: {@code wsroute_endpoint_healthy{route,endpoint}} (1 when the endpoint takes new
 * connections), {@code wsroute_endpoint_ejections_total{route,endpoint}} and {@code wsroute_pool_fail_open{route}}
 * (1 while a health-checked rule of the route found no healthy endpoint and uses every ready one).
 */
public final class HealthMetrics implements HealthListener {
    private static final Logger LOG = Logger.getLogger("wsroute.health");

    private final Meters meters;
    private final Map<List<String>, Meters.Registration> gauges = new HashMap<>();
    private final Map<List<String>, Meters.Counter> ejections = new ConcurrentHashMap<>();

    public HealthMetrics(Meters meters) {
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
        LOG.warnf("endpoint %s of %s ejected for %ds: %s", endpoint, rule, period.toSeconds(), why);
        String route = rule.route().toString();
        ejections.computeIfAbsent(List.of(route, endpoint), k -> meters.counter("wsroute.endpoint.ejections",
                "Passive health ejections of an endpoint", null, "route", route, "endpoint", endpoint)).increment();
    }

    @Override
    public void returned(RuleKey rule, String endpoint) {
        LOG.infof("endpoint %s of %s is back from its ejection", endpoint, rule);
    }

    @Override
    public void returned(RuleKey rule, String endpoint, String why) {
        LOG.infof("endpoint %s of %s is back from its ejection: %s", endpoint, rule, why);
    }

    @Override
    public synchronized void endpointsChanged(HealthRegistry registry) {
        Set<List<String>> wanted = new HashSet<>();
        for (EndpointView h : registry.endpoints()) {
            RouteId route = h.rule().route();
            List<String> key = List.of("healthy", route.toString(), h.endpoint());
            wanted.add(key);
            gauges.computeIfAbsent(key, k -> meters.gauge("wsroute.endpoint.healthy",
                    "1 when the endpoint takes new connections (its health checks pass), else 0",
                    registry, r -> r.healthy(route, h.endpoint()) ? 1 : 0, "route", route.toString(), "endpoint", h.endpoint()));
            List<String> failOpen = List.of("fail-open", route.toString());
            wanted.add(failOpen);
            gauges.computeIfAbsent(failOpen, k -> meters.gauge("wsroute.pool.fail.open",
                    "1 while a rule of the route has no healthy endpoint and sends new connections to every ready one",
                    registry, r -> r.failingOpen(route) ? 1 : 0, "route", route.toString()));
        }
        ejections.keySet().removeIf(key -> { // [route, endpoint]: an endpoint no health-checked rule lists any more
            if (!wanted.contains(List.of("healthy", key.get(0), key.get(1)))) {
                meters.remove("wsroute.endpoint.ejections", "route", key.get(0), "endpoint", key.get(1));
                return true;
            }
            return false;
        });
        gauges.entrySet().removeIf(e -> {
            if (!wanted.contains(e.getKey())) {
                e.getValue().remove();
                return true;
            }
            return false;
        });
    }
}

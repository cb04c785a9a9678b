package dev.wsroute.status;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.wsroute.lifecycle.EndpointView;

/**
 * Endpoints' health per rule, as the data plane's health checks see it at one sample: "healthy", "unhealthy", or
 * "not checked" where the rule has no health check. Per rule, not per route: one endpoint can serve a checked rule
 * and an unchecked one.
 */
final class EndpointHealth {
    static final String NOT_CHECKED = "not checked";

    private final Map<String, String> byRuleAndEndpoint = new HashMap<>();

    EndpointHealth(List<EndpointView> views) {
        for (EndpointView v : views) {
            byRuleAndEndpoint.put(key(v.rule().route().toString(), v.rule().index(), v.endpoint()), v.healthy() ? "healthy" : "unhealthy");
        }
    }

    String of(String route, int rule, String endpoint) {
        return byRuleAndEndpoint.getOrDefault(key(route, rule, endpoint), NOT_CHECKED);
    }

    private static String key(String route, int rule, String endpoint) {
        return route + "#" + rule + " " + endpoint;
    }
}

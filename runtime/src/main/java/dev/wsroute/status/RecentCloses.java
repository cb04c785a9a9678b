package dev.wsroute.status;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import dev.wsroute.metrics.Meters;

/**
 * WebSocket closes by route and close code over the last minute, from the {@code wsroute.websocket.closes} counters:
 * each sample keeps what the counters grew by since the one before, and the window sums the last 60 samples.
 */
final class RecentCloses {
    static final int WINDOW = 60;

    private final Meters meters;
    private final Deque<Map<String, Map<String, Long>>> window = new ArrayDeque<>();
    private Map<String, Double> previous = new HashMap<>();

    RecentCloses(Meters meters) {
        this.meters = meters;
    }

    /** Samples the counters and returns, per route, the closes by code over the window. */
    synchronized Map<String, Map<String, Long>> sample() {
        Map<String, Double> now = new HashMap<>();
        Map<String, Map<String, Long>> grew = new HashMap<>();
        for (Meters.Reading c : meters.read("wsroute.websocket.closes")) {
            String route = c.tag("route");
            String code = c.tag("code");
            String key = c.tags().toString();
            now.merge(key, c.value(), Double::sum);
            long delta = Math.round(c.value() - previous.getOrDefault(key, 0.0));
            if (delta > 0 && route != null && code != null) {
                grew.computeIfAbsent(route, r -> new TreeMap<>()).merge(code, delta, Long::sum);
            }
        }
        previous = now;
        window.addLast(grew);
        while (window.size() > WINDOW) {
            window.removeFirst();
        }
        Map<String, Map<String, Long>> sum = new HashMap<>();
        for (Map<String, Map<String, Long>> second : window) {
            second.forEach((route, codes) -> codes.forEach((code, n) -> sum.computeIfAbsent(route, r -> new TreeMap<>())
                    .merge(code, n, Long::sum)));
        }
        return sum;
    }
}

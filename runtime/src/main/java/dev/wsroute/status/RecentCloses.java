package dev.wsroute.status;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import dev.wsroute.metrics.Meters;

/**
 * WebSocket closes by route and close code over the last minute, from the {@code wsroute.websocket.closes} counters:
 * each {@link #tick} (once a second) keeps what the counters grew by since the one before, and {@link #lastMinute}
 * sums the last 60 of them plus what the counters grew by since the last tick.
 */
final class RecentCloses {
    static final int WINDOW = 60;

    private final Meters meters;
    private final Deque<Map<String, Map<String, Long>>> window = new ArrayDeque<>();
    private Map<String, Double> previous = new HashMap<>();

    RecentCloses(Meters meters) {
        this.meters = meters;
    }

    /** Ends a second of the window. */
    synchronized void tick() {
        Map<String, Double> now = new HashMap<>();
        window.addLast(grewSincePrevious(now));
        previous = now;
        while (window.size() > WINDOW) {
            window.removeFirst();
        }
    }

    /** Per route, the closes by code over the window and the second going on. */
    synchronized Map<String, Map<String, Long>> lastMinute() {
        Map<String, Map<String, Long>> sum = new HashMap<>();
        window.forEach(second -> addTo(sum, second));
        addTo(sum, grewSincePrevious(new HashMap<>()));
        return sum;
    }

    /** Reads the counters into {@code now}; returns, per route, the closes by code since {@link #previous}. */
    private Map<String, Map<String, Long>> grewSincePrevious(Map<String, Double> now) {
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
        return grew;
    }

    private static void addTo(Map<String, Map<String, Long>> sum, Map<String, Map<String, Long>> second) {
        second.forEach((route, codes) -> codes.forEach((code, n) -> sum.computeIfAbsent(route, r -> new TreeMap<>())
                .merge(code, n, Long::sum)));
    }
}

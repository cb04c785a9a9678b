package dev.wsroute.status;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.wsroute.proxy.OpenTunnel;

/**
 * Bytes and messages per second per endpoint, from two samples of the open tunnels: what each tunnel relayed between
 * them (a tunnel new since the last sample counts from its start). A tunnel that closed in between drops out of the
 * interval: the figures are the traffic of open sockets, which is what a live page is for.
 */
final class TrafficRates {
    /** Per rule and endpoint: route id + "#" + rule + " " + endpoint. */
    record Rate(int open, double bytesPerSecond, double messagesPerSecond) {
    }

    private Map<Long, long[]> previous = Map.of();
    private long previousNanos;

    /** Takes a new sample at {@code nanos} and returns the rates since the last one, keyed by {@link #key}. */
    synchronized Map<String, Rate> sample(List<OpenTunnel> tunnels, long nanos) {
        double seconds = previousNanos == 0 ? 0 : (nanos - previousNanos) / 1e9;
        Map<Long, long[]> now = new HashMap<>();
        Map<String, long[]> sums = new HashMap<>(); // open, bytes, messages
        for (OpenTunnel t : tunnels) {
            if (t.route() == null) {
                continue; // to the default backend: counted in the total only
            }
            long bytes = t.bytesFromClient() + t.bytesFromUpstream();
            long messages = t.messagesFromClient() + t.messagesFromUpstream();
            now.put(t.id(), new long[] { bytes, messages });
            long[] before = previous.getOrDefault(t.id(), new long[2]);
            long[] sum = sums.computeIfAbsent(key(t.route().toString(), t.rule(), t.endpoint()), k -> new long[3]);
            sum[0]++;
            sum[1] += Math.max(0, bytes - before[0]);
            sum[2] += Math.max(0, messages - before[1]);
        }
        previous = now;
        previousNanos = nanos;
        Map<String, Rate> rates = new HashMap<>();
        sums.forEach((k, s) -> rates.put(k, new Rate((int) s[0], seconds > 0 ? s[1] / seconds : 0, seconds > 0 ? s[2] / seconds : 0)));
        return rates;
    }

    static String key(String route, int rule, String endpoint) {
        return route + "#" + rule + " " + endpoint;
    }
}

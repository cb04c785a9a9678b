package dev.wsroute.metrics;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Where the data plane's meters go: the app's Micrometer registry when the app has Micrometer
 * ({@code dev.wsroute.metrics.micrometer.MicrometerMeters}), else {@link #NONE}. Meters are made once (per route,
 * per endpoint) and kept by their users, so the hot path only adds to a counter it already holds. Names and tags
 * are Micrometer's ({@code wsroute.websocket.messages} is {@code wsroute_websocket_messages_total} in Prometheus).
 */
public interface Meters {
    /** An app without Micrometer: meters that count nothing and cost nothing. */
    Meters NONE = new NoMeters();

    /** @param baseUnit null for none; {@code tags}: name, value, name, value, … */
    Counter counter(String name, String description, String baseUnit, String... tags);

    Timer timer(String name, String description, String... tags);

    /**
     * Takes the counter or timer of that name and exactly these tags out of the registry: its series ends (a
     * per-endpoint series when the endpoint is gone, a per-route one when the route is). A holder that counts in it
     * afterwards counts nowhere; make it again instead.
     */
    default void remove(String name, String... tags) {
    }

    /**
     * Meters of the same kind that count apart from these, in a registry of their own that nothing reads (the warm-up's
     * private data plane: its counts must not show, but its code should count as the real one's does).
     */
    default Meters detached() {
        return NONE;
    }

    /** A gauge that reads {@code value} of {@code state} whenever it is scraped. */
    <T> Registration gauge(String name, String description, T state, ToDoubleFunction<T> value, String... tags);

    /** The counters and gauges of that name as they read now (for the status page); empty where nothing is kept. */
    List<Reading> read(String name);

    interface Counter {
        void increment(double amount);

        default void increment() {
            increment(1);
        }
    }

    interface Timer {
        void record(long amount, TimeUnit unit);
    }

    /** A meter that can be taken out of the registry again. */
    interface Registration {
        void remove();
    }

    record Reading(Map<String, String> tags, double value) {
        public String tag(String name) {
            return tags.get(name);
        }
    }
}

package dev.wsroute.metrics;

import java.util.List;
import java.util.function.ToDoubleFunction;

/** {@link Meters#NONE}: one shared meter of each kind, doing nothing. */
final class NoMeters implements Meters {
    private static final Counter COUNTER = amount -> {
    };
    private static final Timer TIMER = (amount, unit) -> {
    };
    private static final Registration REGISTRATION = () -> {
    };

    @Override
    public Counter counter(String name, String description, String baseUnit, String... tags) {
        return COUNTER;
    }

    @Override
    public Timer timer(String name, String description, String... tags) {
        return TIMER;
    }

    @Override
    public <T> Registration gauge(String name, String description, T state, ToDoubleFunction<T> value, String... tags) {
        return REGISTRATION;
    }

    @Override
    public List<Reading> read(String name) {
        return List.of();
    }

    @Override
    public String toString() {
        return "no metrics";
    }
}

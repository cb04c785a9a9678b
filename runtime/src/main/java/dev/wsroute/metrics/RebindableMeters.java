package dev.wsroute.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Meters that can move to another registry: in dev mode the data plane outlives the app's live reloads, and each
 * new app brings a new registry. {@link #bindTo} registers every meter made so far in the new one; from then on
 * they count there. Holders keep their meters as before (one volatile read more per count).
 */
public final class RebindableMeters implements Meters {
    private final List<Bound> meters = new ArrayList<>();
    private volatile Meters target;

    public RebindableMeters(Meters target) {
        this.target = target;
    }

    /** From now on every meter counts in {@code next} (the new app's registry). */
    public synchronized void bindTo(Meters next) {
        if (next != target) {
            target = next;
            meters.forEach(m -> m.bind(next));
        }
    }

    @Override
    public synchronized Counter counter(String name, String description, String baseUnit, String... tags) {
        return add(new BoundCounter(name, description, baseUnit, tags));
    }

    @Override
    public synchronized void remove(String name, String... tags) {
        meters.removeIf(m -> m instanceof BoundCounter c && c.name.equals(name) && Arrays.equals(c.tags, tags)
                || m instanceof BoundTimer t && t.name.equals(name) && Arrays.equals(t.tags, tags));
        target.remove(name, tags);
    }

    @Override
    public synchronized Timer timer(String name, String description, String... tags) {
        return add(new BoundTimer(name, description, tags));
    }

    @Override
    public synchronized <T> Registration gauge(String name, String description, T state, ToDoubleFunction<T> value,
            String... tags) {
        return add(new BoundGauge<>(name, description, state, value, tags));
    }

    @Override
    public List<Reading> read(String name) {
        return target.read(name);
    }

    private <M extends Bound> M add(M meter) {
        meter.bind(target);
        meters.add(meter);
        return meter;
    }

    private synchronized void removeGauge(BoundGauge<?> gauge) {
        meters.remove(gauge);
        gauge.registration.remove();
    }

    private interface Bound {
        void bind(Meters target);
    }


    private static final class BoundCounter implements Counter, Bound {
        private final String name;
        private final String description;
        private final String baseUnit;
        private final String[] tags;
        private volatile Counter counter;

        BoundCounter(String name, String description, String baseUnit, String[] tags) {
            this.name = name;
            this.description = description;
            this.baseUnit = baseUnit;
            this.tags = tags;
        }

        @Override
        public void bind(Meters target) {
            counter = target.counter(name, description, baseUnit, tags);
        }

        @Override
        public void increment(double amount) {
            counter.increment(amount);
        }
    }

    private static final class BoundTimer implements Timer, Bound {
        private final String name;
        private final String description;
        private final String[] tags;
        private volatile Timer timer;

        BoundTimer(String name, String description, String[] tags) {
            this.name = name;
            this.description = description;
            this.tags = tags;
        }

        @Override
        public void bind(Meters target) {
            timer = target.timer(name, description, tags);
        }

        @Override
        public void record(long amount, java.util.concurrent.TimeUnit unit) {
            timer.record(amount, unit);
        }
    }

    private final class BoundGauge<T> implements Registration, Bound {
        private final String name;
        private final String description;
        private final T state;
        private final ToDoubleFunction<T> value;
        private final String[] tags;
        private Registration registration;

        BoundGauge(String name, String description, T state, ToDoubleFunction<T> value, String[] tags) {
            this.name = name;
            this.description = description;
            this.state = state;
            this.value = value;
            this.tags = tags;
        }

        @Override
        public void bind(Meters target) {
            registration = target.gauge(name, description, state, value, tags);
        }

        @Override
        public void remove() {
            removeGauge(this);
        }
    }
}

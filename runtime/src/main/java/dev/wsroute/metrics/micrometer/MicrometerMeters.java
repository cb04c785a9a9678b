package dev.wsroute.metrics.micrometer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.wsroute.metrics.Meters;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.search.MeterNotFoundException;
import io.micrometer.core.instrument.search.RequiredSearch;

/**
 * The data plane's meters in the app's Micrometer registry. A bean only in an app that has quarkus-micrometer (the
 * extension's build step adds it then): this is the one class of the data plane that names Micrometer, so an app
 * without it loads no Micrometer class and needs no Micrometer jar.
 */
@Singleton
public class MicrometerMeters implements Meters {
    private final MeterRegistry registry;
    /**
     * The id each counter and timer got, by name and the tags asked for: what {@link #remove} takes out. The registry's
     * filters may have changed it (an app's common tags, {@code MeterFilter.commonTags}, which Quarkus applies to the
     * registry injected here), so it cannot be found again by exactly those tags.
     */
    private final ConcurrentHashMap<List<String>, Meter.Id> registered = new ConcurrentHashMap<>();

    @Inject
    public MicrometerMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Meters detached() {
        return new MicrometerMeters(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    @Override
    public Counter counter(String name, String description, String baseUnit, String... tags) {
        io.micrometer.core.instrument.Counter c = io.micrometer.core.instrument.Counter.builder(name).description(description)
                .baseUnit(baseUnit).tags(tags).register(registry);
        registered.put(key(name, tags), c.getId());
        io.micrometer.core.instrument.Counter counted = member(c, RequiredSearch::counter);
        return counted::increment;
    }

    @Override
    public Timer timer(String name, String description, String... tags) {
        io.micrometer.core.instrument.Timer t = io.micrometer.core.instrument.Timer.builder(name).description(description)
                .tags(tags).register(registry);
        registered.put(key(name, tags), t.getId());
        io.micrometer.core.instrument.Timer recorded = member(t, RequiredSearch::timer);
        return recorded::record;
    }

    /**
     * The meter the data plane counts in: in a composite registry of one member (Quarkus injects Micrometer's global
     * composite, with the Prometheus registry its one member) that member's own meter, which the composite's
     * registration made; the composite's meter would walk its members, with an iterator object, on every count.
     * Else (no composite, several members, or a member's filter changed the meter) the registered meter itself.
     */
    private <M extends Meter> M member(M registered, java.util.function.Function<RequiredSearch, M> kind) {
        if (registry instanceof CompositeMeterRegistry composite && composite.getRegistries().size() == 1) {
            MeterRegistry only = composite.getRegistries().iterator().next();
            try {
                return kind.apply(only.get(registered.getId().getName()).tags(registered.getId().getTags()));
            } catch (MeterNotFoundException filtered) {
                return registered;
            }
        }
        return registered;
    }

    @Override
    public void remove(String name, String... tags) {
        Meter.Id id = registered.remove(key(name, tags));
        if (id != null) {
            registry.remove(id); // a composite's meter: out of its members too
            return;
        }
        for (Meter m : registry.find(name).tags(tags).meters()) {
            if (m.getId().getTags().size() * 2 == tags.length) { // exactly these tags, not a series with more
                registry.remove(m); // a composite's meter: out of its members too
            }
        }
    }

    private static List<String> key(String name, String[] tags) {
        List<String> key = new ArrayList<>(tags.length + 1);
        key.add(name);
        key.addAll(Arrays.asList(tags));
        return key;
    }

    @Override
    public <T> Registration gauge(String name, String description, T state, ToDoubleFunction<T> value, String... tags) {
        Gauge g = Gauge.builder(name, state, value).description(description).tags(tags).register(registry);
        return () -> registry.remove(g);
    }

    @Override
    public List<Reading> read(String name) {
        List<Reading> out = new ArrayList<>();
        for (Meter m : registry.find(name).meters()) {
            Map<String, String> tags = new HashMap<>();
            for (Tag t : m.getId().getTagsAsIterable()) {
                tags.put(t.getKey(), t.getValue());
            }
            for (Measurement first : m.measure()) { // a counter's count, a gauge's value
                out.add(new Reading(tags, first.getValue()));
                break;
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "Micrometer " + registry.getClass().getSimpleName();
    }
}

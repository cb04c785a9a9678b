package dev.wsroute.operator.cluster;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import dev.wsroute.model.RouteId;
import dev.wsroute.model.RouteValidator;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Translator;

/**
 * Validated routes by (uid, generation): the spec only changes with the generation, so status writes and
 * endpoint churn never re-validate (or recompile regular expressions of) a route.
 */
public final class ValidationCache implements Function<WebSocketRoute, RouteValidator.Result>, ClusterListener {
    private record Entry(String uid, Long generation, RouteValidator.Result result) {
    }

    private final Map<RouteId, Entry> entries = new ConcurrentHashMap<>();

    @Override
    public RouteValidator.Result apply(WebSocketRoute r) {
        Long generation = r.getMetadata().getGeneration();
        if (generation == null) {
            return Translator.validate(r);
        }
        RouteId id = Translator.id(r);
        Entry e = entries.get(id);
        if (e == null || !Objects.equals(e.uid, r.getMetadata().getUid()) || !generation.equals(e.generation)) {
            e = new Entry(r.getMetadata().getUid(), generation, Translator.validate(r));
            entries.put(id, e);
        }
        return e.result;
    }

    /** A deleted route's entry goes with it. */
    @Override
    public void routeChanged(WebSocketRoute old, WebSocketRoute now) {
        if (now == null && old != null) {
            entries.remove(Translator.id(old));
        }
    }

    @Override
    public void serviceChanged(String namespace, String name) {
    }

    @Override
    public void secretChanged(String namespace, String name) {
    }
}

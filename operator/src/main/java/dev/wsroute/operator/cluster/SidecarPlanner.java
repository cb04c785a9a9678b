package dev.wsroute.operator.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import dev.wsroute.api.PoolStatus;
import dev.wsroute.api.RouteCondition;
import dev.wsroute.api.WebSocketRouteStatus;
import dev.wsroute.model.Backend;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.EndpointSource;
import dev.wsroute.model.Backend.HostPort;
import dev.wsroute.model.Route;
import dev.wsroute.model.RouteValidator;
import dev.wsroute.model.Rule;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.BackendResolver;
import dev.wsroute.operator.translate.ClusterView;
import dev.wsroute.operator.translate.Condition;
import dev.wsroute.operator.translate.RouteOrder;
import dev.wsroute.operator.translate.TableInputs;
import dev.wsroute.operator.translate.Translation;
import dev.wsroute.operator.translate.Translator;

/**
 * Sidecar mode: the table comes from what the operator wrote in {@code status.pools}, so the sidecar needs to
 * watch nothing but routes. A route the operator has not accepted is left out; one edited since the operator accepted
 * it (a new generation it has not looked at yet: the operator is late, busy or away) goes on serving as this process
 * last used it, spec and pools, until the operator has written a status for the edit. Passes run on one thread.
 */
final class SidecarPlanner implements Function<BackendResolver, Translation> {
    private final ClusterView view;
    private final Function<WebSocketRoute, RouteValidator.Result> validation;
    /** The last version of each route that the operator had accepted at its generation, as used. */
    private final Map<RouteId, Used> lastAccepted = new HashMap<>();

    private record Used(WebSocketRoute route, RouteValidator.Result validation) {
    }

    SidecarPlanner(ClusterView view, Function<WebSocketRoute, RouteValidator.Result> validation) {
        this.view = view;
        this.validation = validation;
    }

    @Override
    public Translation apply(BackendResolver unused) {
        List<Route> routes = new ArrayList<>();
        Map<Backend, List<HostPort>> endpoints = new IdentityHashMap<>();
        Map<Backend, List<HostPort>> terminating = new IdentityHashMap<>();
        List<WebSocketRoute> all = new ArrayList<>(view.routes());
        all.sort(RouteOrder.OLDEST_FIRST);
        Map<RouteId, Used> used = new HashMap<>();
        for (WebSocketRoute now : all) {
            Used u = use(now);
            if (u == null) {
                continue;
            }
            used.put(Translator.id(now), u);
            WebSocketRoute r = u.route();
            RouteValidator.Result v = u.validation();
            List<PoolStatus> pools = r.getStatus().pools;
            for (Rule rule : v.route().rules()) {
                bind(rule.backends(), pool(pools, rule.index()), endpoints, terminating);
            }
            bind(v.route().httpBackends(), pool(pools, null), endpoints, terminating);
            routes.add(v.route());
        }
        lastAccepted.clear(); // deleted routes, and those the operator turned down at their generation, are forgotten
        lastAccepted.putAll(used);
        return Translation.tableOnly(new TableInputs(routes, new EndpointSource() {
            @Override
            public List<HostPort> resolve(RouteId id, Backend b) {
                return endpoints.getOrDefault(b, List.of());
            }

            @Override
            public List<HostPort> terminating(RouteId id, Backend b) {
                return terminating.getOrDefault(b, List.of());
            }
        }));
    }

    /**
     * The version of the route to serve: this one if the operator accepted it at its generation; none if the operator
     * looked at this generation and did not accept it; else (an edit the operator has not written a status for) the
     * version last served, if any.
     */
    private Used use(WebSocketRoute r) {
        WebSocketRouteStatus s = r.getStatus();
        boolean looked = s != null && Objects.equals(s.observedGeneration, r.getMetadata().getGeneration());
        if (!looked) {
            Used last = lastAccepted.get(Translator.id(r));
            // not one deleted and created again under the same name meanwhile
            return last != null && Objects.equals(last.route().getMetadata().getUid(), r.getMetadata().getUid()) ? last : null;
        }
        if (s.conditions == null || s.conditions.stream()
                .noneMatch((RouteCondition c) -> Condition.ACCEPTED.equals(c.type) && "True".equals(c.status))) {
            return null;
        }
        RouteValidator.Result v = validation.apply(r);
        return v.valid() ? new Used(r, v) : null;
    }

    private static PoolStatus pool(List<PoolStatus> pools, Integer rule) {
        if (pools == null) {
            return null;
        }
        return pools.stream().filter(p -> Objects.equals(p.rule, rule)).findFirst().orElse(null);
    }

    /** Pool backends are written in spec order, so the i-th backend of a rule is the i-th in its pool. */
    private static void bind(List<Backend> backends, PoolStatus pool, Map<Backend, List<HostPort>> out,
            Map<Backend, List<HostPort>> terminatingOut) {
        for (int i = 0; i < backends.size(); i++) {
            List<HostPort> ready = new ArrayList<>();
            List<HostPort> terminating = new ArrayList<>();
            if (pool != null && i < pool.backends.size()) {
                for (PoolStatus.EndpointStatus e : pool.backends.get(i).endpoints) {
                    if (e.ip == null || e.port == null) {
                        continue;
                    }
                    if (Boolean.TRUE.equals(e.ready)) {
                        ready.add(new HostPort(e.ip, e.port));
                    } else if (Boolean.TRUE.equals(e.terminating) && Boolean.TRUE.equals(e.serving)) {
                        terminating.add(new HostPort(e.ip, e.port)); // the fallback while none is ready, as in ingress mode
                    }
                }
            }
            out.put(backends.get(i), ready);
            terminatingOut.put(backends.get(i), terminating);
        }
    }
}

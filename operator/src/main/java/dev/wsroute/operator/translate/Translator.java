package dev.wsroute.operator.translate;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.wsroute.api.PoolStatus;
import dev.wsroute.model.Backend;
import dev.wsroute.model.FieldError;
import dev.wsroute.model.Route;
import dev.wsroute.model.RouteId;
import dev.wsroute.model.RouteValidator;
import dev.wsroute.model.Rule;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.table.EndpointSource;
import dev.wsroute.tls.TlsResolver;

/**
 * The pure heart of the operator: Kubernetes objects in, accepted routes and statuses out. No I/O and no clock,
 * so golden files pin it down. A bad route only ever affects its own status.
 */
public final class Translator {
    private static final RouteValidator VALIDATOR = new RouteValidator(RouteValidator.Source.CLUSTER);

    private final Function<WebSocketRoute, RouteValidator.Result> validation;
    private final TlsResolver tls;

    public Translator() {
        this(Translator::validate);
    }

    /** @param validation validates a route; the live operator passes a cache keyed by generation */
    public Translator(Function<WebSocketRoute, RouteValidator.Result> validation) {
        this(validation, TlsResolver.NONE);
    }

    /**
     * @param tls also checks the certificates and CAs a route names (unusable PEM, key mismatch, expiry); with
     *        {@link TlsResolver#NONE} only their presence is checked
     */
    public Translator(Function<WebSocketRoute, RouteValidator.Result> validation, TlsResolver tls) {
        this.validation = requireNonNull(validation, "validation");
        this.tls = requireNonNull(tls, "tls");
    }

    public static RouteValidator.Result validate(WebSocketRoute r) {
        return VALIDATOR.validate(id(r), r.getSpec());
    }

    public static RouteId id(WebSocketRoute r) {
        return new RouteId(r.getMetadata().getNamespace(), r.getMetadata().getName());
    }

    public Translation translate(ClusterView view) {
        return translate(view, new ServiceResolver(view));
    }

    /**
     * One pass over every route: validate, claim hosts (once for the whole pass), resolve references, and decide
     * each route's status; the accepted routes, in table order, are the next table's inputs.
     *
     * @param resolver resolves Service backends; the live operator passes one that remembers Services until they
     *        change, so an endpoint event re-resolves only that Service's pools
     */
    public Translation translate(ClusterView view, BackendResolver resolver) {
        List<WebSocketRoute> all = new ArrayList<>(view.routes());
        all.sort(RouteOrder.OLDEST_FIRST);
        Map<WebSocketRoute, RouteValidator.Result> validated = new IdentityHashMap<>();
        all.forEach(r -> validated.put(r, validation.apply(r)));
        HostClaims claims = HostClaims.of(all.stream().map(validated::get).filter(RouteValidator.Result::valid)
                .map(RouteValidator.Result::route).toList());
        List<Route> accepted = new ArrayList<>();
        SortedMap<RouteId, RouteStatusDraft> statuses = new TreeMap<>();
        for (WebSocketRoute r : all) {
            RouteValidator.Result v = validated.get(r);
            RouteStatusDraft status = status(r, v, claims, view, resolver);
            statuses.put(id(r), status);
            if (status.accepted()) {
                accepted.add(v.route());
            }
        }
        return new Translation(new TableInputs(accepted, endpoints(resolver)), statuses);
    }

    private static EndpointSource endpoints(BackendResolver resolver) {
        return new EndpointSource() {
            @Override
            public List<Backend.HostPort> resolve(RouteId route, Backend backend) {
                return backend.service() == null ? List.of()
                        : resolver.resolve(route.namespace(), backend.service()).readyAddresses();
            }

            @Override
            public List<Backend.HostPort> terminating(RouteId route, Backend backend) {
                return backend.service() == null ? List.of()
                        : resolver.resolve(route.namespace(), backend.service()).servingTerminatingAddresses();
            }
        };
    }

    private RouteStatusDraft status(WebSocketRoute r, RouteValidator.Result v, HostClaims claims, ClusterView view,
            BackendResolver resolver) {
        Long generation = r.getMetadata().getGeneration();
        if (!v.valid()) {
            String msg = v.errors().stream().map(FieldError::toString).collect(Collectors.joining("; "));
            return new RouteStatusDraft(generation, List.of(
                    Condition.isFalse(Condition.ACCEPTED, Condition.INVALID, msg),
                    Condition.unknown(Condition.RESOLVED_REFS, Condition.INVALID, "not checked: the route is invalid"),
                    Condition.isFalse(Condition.READY, Condition.INVALID, "the route is invalid")), List.of(), 0);
        }
        Route route = v.route();
        String ns = route.id().namespace();
        List<RefProblem> problems = new ArrayList<>(SecretRefs.check(route, view));
        if (problems.isEmpty() && tls != TlsResolver.NONE) {
            problems.addAll(TlsRefs.check(route, tls));
        }
        List<PoolStatus> pools = new ArrayList<>();
        List<String> empty = new ArrayList<>();
        List<String> terminatingOnly = new ArrayList<>();
        for (Rule rule : route.rules()) {
            String at = "spec.rules[" + rule.index() + "]";
            PoolStatus pool = pool(rule.index(), rule.backends(), ns, at, resolver, problems, empty, terminatingOnly);
            pool.name = rule.name();
            pools.add(pool);
        }
        if (!route.httpBackends().isEmpty()) {
            pools.add(pool(null, route.httpBackends(), ns, "spec.http", resolver, problems, empty, terminatingOnly));
        }
        Condition refs = problems.isEmpty()
                ? Condition.isTrue(Condition.RESOLVED_REFS, Condition.RESOLVED_REFS, "all references resolved")
                : Condition.isFalse(Condition.RESOLVED_REFS, problems.get(0).reason(),
                        problems.stream().map(RefProblem::toString).collect(Collectors.joining("; ")));
        var conflict = claims.conflict(route);
        if (conflict.isPresent()) {
            return new RouteStatusDraft(generation, List.of(
                    Condition.isFalse(Condition.ACCEPTED, Condition.HOST_CONFLICT, conflict.get()), refs,
                    Condition.isFalse(Condition.READY, Condition.HOST_CONFLICT, "the route is not accepted")),
                    List.of(), 0);
        }
        int ready = readyEndpoints(pools);
        Condition readyCondition;
        if (!empty.isEmpty()) {
            String also = terminatingOnly.isEmpty() ? ""
                    : "; only terminating endpoints (still serving) take new connections for " + String.join(", ", terminatingOnly);
            readyCondition = Condition.isFalse(Condition.READY, Condition.NO_READY_ENDPOINTS,
                    "no ready endpoint for " + String.join(", ", empty) + also);
        } else if (!terminatingOnly.isEmpty()) {
            // traffic is served (a deploy in progress): True, with a reason that says by whom
            readyCondition = Condition.isTrue(Condition.READY, Condition.TERMINATING_ENDPOINTS_ONLY,
                    "no ready endpoint for " + String.join(", ", terminatingOnly)
                            + ": its new connections go to terminating endpoints that still serve, until one is ready; "
                            + ready + " ready endpoint(s)");
        } else {
            readyCondition = Condition.isTrue(Condition.READY, Condition.ENDPOINTS_RESOLVED, ready + " ready endpoint(s)");
        }
        return new RouteStatusDraft(generation, List.of(
                Condition.isTrue(Condition.ACCEPTED, Condition.ACCEPTED, "the route is valid and serves its hosts"),
                refs, readyCondition), pools, ready);
    }

    private static PoolStatus pool(Integer rule, List<Backend> backends, String ns, String at, BackendResolver resolver,
            List<RefProblem> problems, List<String> empty, List<String> terminatingOnly) {
        PoolStatus pool = new PoolStatus();
        pool.rule = rule;
        boolean anyReady = false;
        List<String> fallingBack = new ArrayList<>();
        for (int i = 0; i < backends.size(); i++) {
            Backend b = backends.get(i);
            ResolvedBackend rb = resolver.resolve(ns, b.service());
            if (!rb.resolved()) {
                problems.add(new RefProblem(at + ".backends[" + i + "]", rb.problemReason(), rb.problemMessage()));
            }
            PoolStatus.BackendStatus bs = new PoolStatus.BackendStatus();
            bs.service = rb.service();
            bs.port = rb.port();
            bs.weight = b.weight() == 1 ? null : b.weight();
            for (ResolvedEndpoint e : rb.endpoints()) {
                PoolStatus.EndpointStatus es = new PoolStatus.EndpointStatus();
                es.ip = e.ip();
                es.port = e.port();
                es.ready = e.ready();
                if (e.terminating()) { // shown only where they differ from ready's story
                    es.serving = e.serving();
                    es.terminating = true;
                }
                es.pod = e.pod();
                es.zone = e.zone();
                bs.endpoints.add(es);
            }
            pool.backends.add(bs);
            if (b.weight() > 0) {
                if (!rb.readyAddresses().isEmpty()) {
                    anyReady = true;
                } else if (!rb.servingTerminatingAddresses().isEmpty()) {
                    fallingBack.add(at + (backends.size() > 1 ? ".backends[" + i + "]" : ""));
                }
            }
        }
        if (!anyReady && fallingBack.isEmpty()) {
            empty.add(at);
        } else if (!fallingBack.isEmpty()) {
            terminatingOnly.addAll(fallingBack);
        }
        return pool;
    }

    private static int readyEndpoints(List<PoolStatus> pools) {
        Set<String> keys = new HashSet<>();
        for (PoolStatus p : pools) {
            for (PoolStatus.BackendStatus b : p.backends) {
                for (PoolStatus.EndpointStatus e : b.endpoints) {
                    if (Boolean.TRUE.equals(e.ready)) {
                        keys.add(e.ip + "|" + e.port);
                    }
                }
            }
        }
        return keys.size();
    }
}

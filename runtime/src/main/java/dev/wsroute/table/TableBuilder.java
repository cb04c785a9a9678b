package dev.wsroute.table;

import dev.wsroute.tls.TlsResolver;
import dev.wsroute.tls.TlsProblem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import dev.wsroute.model.Backend;
import dev.wsroute.model.LoadBalancing;
import dev.wsroute.model.Route;
import dev.wsroute.model.Rule;
import dev.wsroute.tls.ServerCertificates;
import dev.wsroute.tls.UpstreamTls;

/** Compiles validated routes and their resolved endpoints into a {@link RouteTable}. Pure apart from name lookups of static endpoints. */
public final class TableBuilder {
    private final EndpointSource endpoints;
    private final TlsResolver tls;

    public TableBuilder(EndpointSource endpoints, TlsResolver tls) {
        this.endpoints = endpoints;
        this.tls = tls;
    }

    /** Routes are taken in the order given: for one host, earlier routes' rules are tried first. */
    public RouteTable build(long version, List<Route> routes, Consumer<TlsProblem> problems) {
        return build(version, routes, problems, null);
    }

    /**
     * As {@link #build(long, List, Consumer)}, reusing from {@code previous} every compiled route whose route and
     * resolved inputs did not change: an endpoint event recompiles only the routes of the Service it touched,
     * and the pools (with their balancer state) of all other routes carry over.
     */
    public RouteTable build(long version, List<Route> routes, Consumer<TlsProblem> reported, RouteTable previous) {
        List<TlsProblem> found = new ArrayList<>(); // kept in the table too, for the status page
        Consumer<TlsProblem> problems = found::add;
        problems = problems.andThen(reported);
        List<CompiledRoute> compiled = new ArrayList<>();
        for (Route route : routes) {
            List<Object> inputs = new ArrayList<>();
            List<List<Addresses>> ruleEndpoints = new ArrayList<>();
            List<UpstreamTls> upstreams = new ArrayList<>();
            for (Rule rule : route.rules()) {
                ruleEndpoints.add(resolve(route, rule.backends()));
                upstreams.add(rule.upstreamTls().isPresent() ? tls.upstream(route, rule, problems) : null);
            }
            List<Addresses> httpEndpoints = resolve(route, route.httpBackends());
            inputs.add(ruleEndpoints);
            inputs.add(httpEndpoints);
            inputs.add(upstreams);
            CompiledRoute before = previous == null ? null : previous.route(route.id());
            if (before != null && before.route().equals(route) && before.inputs().equals(inputs)) {
                compiled.add(before);
                continue;
            }
            Map<PoolId, Set<String>> endpointsByPool = new HashMap<>();
            List<String> identities = RuleIdentities.of(route.rules());
            List<CompiledRule> rules = new ArrayList<>();
            for (int i = 0; i < route.rules().size(); i++) {
                Rule rule = route.rules().get(i);
                RuleKey key = new RuleKey(route.id(), identities.get(i), rule.index());
                Pool pool = pool(key, rule.backends(), ruleEndpoints.get(i), rule.loadBalancing(), endpointsByPool);
                UpstreamTls upstream = upstreams.get(i);
                if (rule.upstreamTls().isPresent() && upstream == null) {
                    pool = new Pool(key, List.of(), rule.loadBalancing()); // never send plain text where TLS was asked for
                }
                rules.add(new CompiledRule(key, rule, pool, upstream));
            }
            Pool http = route.httpBackends().isEmpty() ? null
                    : pool(new PoolId.Http(route.id()), route.httpBackends(), httpEndpoints, LoadBalancing.DEFAULT, endpointsByPool);
            compiled.add(new CompiledRoute(route, rules, http, Map.copyOf(endpointsByPool), List.copyOf(inputs)));
        }
        ServerCertificates certificates = tls.serverCertificates(routes, problems);
        return new RouteTable(version, compiled, certificates, found);
    }

    /**
     * What one backend takes new connections on: its ready endpoints, or, when it has none, its terminating ones that
     * still serve ({@code terminating}: they are in the pool but not in {@link CompiledRoute#endpointsByPool}, so a
     * socket opened on one drains from the start, as one to any pod that is leaving).
     */
    record Addresses(List<Backend.HostPort> list, boolean terminating) {
        static final Addresses NONE = new Addresses(List.of(), false);
    }

    private List<Addresses> resolve(Route route, List<Backend> backends) {
        List<Addresses> out = new ArrayList<>(backends.size());
        for (Backend b : backends) {
            if (b.weight() == 0) {
                out.add(Addresses.NONE);
                continue;
            }
            List<Backend.HostPort> ready = endpoints.resolve(route.id(), b);
            out.add(!ready.isEmpty() ? new Addresses(List.copyOf(ready), false)
                    : new Addresses(List.copyOf(endpoints.terminating(route.id(), b)), true)); // kube-proxy's fallback, per Service
        }
        return out;
    }

    private static Pool pool(PoolId id, List<Backend> backends, List<Addresses> resolved, LoadBalancing policy,
            Map<PoolId, Set<String>> endpointsByPool) {
        List<Endpoint> list = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < backends.size(); i++) {
            Backend b = backends.get(i);
            Addresses addrs = resolved.get(i); // weight 0 resolved to none: no traffic (Gateway API)
            for (Backend.HostPort hp : addrs.list()) {
                Endpoint e = Endpoint.of(hp.host(), hp.port(), (double) b.weight() / addrs.list().size());
                list.add(e);
                if (!addrs.terminating()) {
                    keys.add(e.key());
                }
            }
        }
        endpointsByPool.put(id, Set.copyOf(keys));
        return new Pool(id, list, policy);
    }
}

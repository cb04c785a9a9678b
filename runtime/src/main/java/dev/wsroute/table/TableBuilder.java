package dev.wsroute.table;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import dev.wsroute.model.Backend;
import dev.wsroute.model.LoadBalancing;
import dev.wsroute.model.Route;
import dev.wsroute.model.Rule;
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
    public RouteTable build(long version, List<Route> routes, Consumer<TableProblem> problems) {
        List<CompiledRoute> compiled = new ArrayList<>();
        for (Route route : routes) {
            Set<String> keys = new HashSet<>();
            List<CompiledRule> rules = new ArrayList<>();
            for (Rule rule : route.rules()) {
                Pool pool = pool(route, rule.backends(), rule.loadBalancing(), keys);
                UpstreamTls upstream = rule.upstreamTls().isPresent() ? tls.upstream(route, rule, problems) : null;
                if (rule.upstreamTls().isPresent() && upstream == null) {
                    pool = new Pool(List.of(), rule.loadBalancing()); // never send plain text where TLS was asked for
                }
                rules.add(new CompiledRule(new RuleKey(route.id(), rule.index()), rule, pool, upstream));
            }
            Pool http = route.httpBackends().isEmpty() ? null
                    : pool(route, route.httpBackends(), LoadBalancing.DEFAULT, keys);
            compiled.add(new CompiledRoute(route, rules, http, Set.copyOf(keys)));
        }
        return new RouteTable(version, compiled, tls.serverCertificates(routes, problems));
    }

    private Pool pool(Route route, List<Backend> backends, LoadBalancing policy, Set<String> keys) {
        List<Endpoint> list = new ArrayList<>();
        for (Backend b : backends) {
            if (b.weight() == 0) {
                continue; // weight 0 takes no traffic (Gateway API): a pool of only those answers 503
            }
            List<Backend.HostPort> addrs = endpoints.resolve(route.id(), b);
            for (Backend.HostPort hp : addrs) {
                Endpoint e = Endpoint.of(hp.host(), hp.port(), (double) b.weight() / addrs.size());
                list.add(e);
                keys.add(e.key());
            }
        }
        return new Pool(list, policy);
    }
}

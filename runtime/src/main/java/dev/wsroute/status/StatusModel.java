package dev.wsroute.status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

import dev.wsroute.metrics.Meters;
import dev.wsroute.model.Match;
import dev.wsroute.model.Match.ValueMatch;
import dev.wsroute.model.Route;
import dev.wsroute.model.RouteId;
import dev.wsroute.proxy.ConnectionLimit;
import dev.wsroute.proxy.DataPlane;
import dev.wsroute.proxy.OpenTunnel;
import dev.wsroute.status.StatusSnapshot.CertificateView;
import dev.wsroute.status.StatusSnapshot.ClientConnections;
import dev.wsroute.status.StatusSnapshot.EndpointView;
import dev.wsroute.status.StatusSnapshot.HttpView;
import dev.wsroute.status.StatusSnapshot.RouteView;
import dev.wsroute.status.StatusSnapshot.RuleView;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.CompiledRule;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.ServedCertificate;
import dev.wsroute.tls.ServerCertificates;
import dev.wsroute.tls.TlsProblem;

/**
 * Builds the status page's data from what wsroute already holds, reading only: the route table in force (routes, rules,
 * pools, problems), a sample of the open tunnels (sockets and traffic per endpoint), the data plane's health checks and the close counters. A {@link #sample} is made when someone
 * looks (a tick of the live page, a request for the JSON); {@link #tick} runs once a second regardless.
 */
public final class StatusModel {
    private final RouteTableHolder tables;
    private final Supplier<List<OpenTunnel>> tunnels;
    private final Supplier<String> sourceError;
    private final TrafficRates rates = new TrafficRates();
    private final RecentCloses closes;
    private final Supplier<List<dev.wsroute.lifecycle.EndpointView>> healthChecked;
    private final Supplier<ClientConnections> connections;
    private EndpointHealth health; // of the sample being built

    /**
     * @param tunnels the data plane's open tunnels (empty where there is no data plane)
     * @param healthChecked the data plane's health-checked endpoints (empty where there is no data plane)
     * @param sourceError the routes source's last error, or null
     * @param connections the data plane's client connections and their limit (null where there is no data plane)
     */
    public StatusModel(RouteTableHolder tables, Supplier<List<OpenTunnel>> tunnels,
            Supplier<List<dev.wsroute.lifecycle.EndpointView>> healthChecked, Meters meters, Supplier<String> sourceError,
            Supplier<ClientConnections> connections) {
        this.tables = tables;
        this.tunnels = tunnels;
        this.sourceError = sourceError;
        this.closes = new RecentCloses(meters);
        this.healthChecked = healthChecked;
        this.connections = connections;
    }

    /** The data plane's connection count and limit as the page shows them; null without a data plane. */
    public static ClientConnections connections(DataPlane dataPlane) {
        if (dataPlane == null) {
            return null;
        }
        ConnectionLimit limit = dataPlane.connectionLimit();
        return new ClientConnections(dataPlane.clientConnections(), limit.effective(), limit.configured(), limit.reason());
    }

    /** Once a second, whether anyone looks or not: the closes of the last minute are kept per second. */
    public void tick() {
        closes.tick();
    }

    /** What the page shows now; traffic rates cover the time since the sample before. */
    public synchronized StatusSnapshot sample() {
        RouteTable table = tables.current();
        List<OpenTunnel> open = tunnels.get();
        Map<String, TrafficRates.Rate> traffic = rates.sample(open, System.nanoTime());
        Map<String, Map<String, Long>> recentCloses = closes.lastMinute();
        health = new EndpointHealth(healthChecked.get());
        List<RouteView> routes = new ArrayList<>();
        for (CompiledRoute route : table.routes()) {
            routes.add(route(route, table.problems(), table.certificates(), traffic, recentCloses));
        }
        return new StatusSnapshot(System.currentTimeMillis(), table.version(), sourceError.get(), open.size(), connections.get(),
                routes);
    }

    private static CertificateView certificate(ServerCertificates certificates, RouteId route) {
        Instant now = Instant.now();
        for (ServedCertificate c : certificates.certificates()) {
            if (route.equals(c.route())) {
                boolean valid = !now.isAfter(c.notAfter()) && !now.isBefore(c.notBefore());
                return new CertificateView(c.source(), c.notAfter().toString(), Duration.between(now, c.notAfter()).toDays(), valid);
            }
        }
        return null;
    }

    private RouteView route(CompiledRoute compiled, List<TlsProblem> allProblems, ServerCertificates certificates,
            Map<String, TrafficRates.Rate> traffic, Map<String, Map<String, Long>> recentCloses) {
        Route route = compiled.route();
        String id = route.id().toString();
        List<String> problems = allProblems.stream().filter(p -> p.route().equals(route.id()))
                .map(p -> p.reason() + ": " + p.message()).toList();
        List<RuleView> rules = new ArrayList<>();
        for (CompiledRule rule : compiled.rules()) {
            rules.add(rule(id, rule, compiled.endpointsByPool().getOrDefault(rule.pool().id(), Set.of()), traffic));
        }
        String tls = route.tls().map(t -> t.secretName() != null ? "secret " + t.secretName() : "files").orElse("none");
        HttpView http = compiled.http() == null ? null
                : new HttpView(compiled.http().endpoints().stream().map(Endpoint::key).toList());
        return new RouteView(id, route.hosts(), tls, problems.isEmpty() ? "serving" : "serving with problems", problems, rules,
                http, recentCloses.getOrDefault(id, new TreeMap<>()), certificate(certificates, route.id()));
    }

    /** @param kept the pool's endpoints that are not leaving (the others: terminating pods that still serve) */
    private RuleView rule(String route, CompiledRule rule, Set<String> kept, Map<String, TrafficRates.Rate> traffic) {
        int index = rule.rule().index();
        List<EndpointView> endpoints = new ArrayList<>();
        Set<String> inPool = new HashSet<>();
        boolean anyReady = false;
        for (Endpoint e : rule.pool().endpoints()) {
            inPool.add(e.key());
            boolean ready = kept.contains(e.key());
            anyReady |= ready;
            endpoints.add(endpoint(route, index, e.key(), ready ? "ready" : "terminating", traffic));
        }
        String prefix = TrafficRates.key(route, index, "");
        traffic.keySet().stream().filter(k -> k.startsWith(prefix)).map(k -> k.substring(prefix.length()))
                .filter(e -> !inPool.contains(e)).sorted()
                .forEach(e -> endpoints.add(endpoint(route, index, e, "draining", traffic)));
        return new RuleView(index, describe(rule.rule().match()), rule.pool().isEmpty() ? "no ready endpoint"
                : anyReady ? "ready" : "terminating endpoints only", endpoints);
    }

    private EndpointView endpoint(String route, int rule, String endpoint, String state, Map<String, TrafficRates.Rate> traffic) {
        TrafficRates.Rate r = traffic.getOrDefault(TrafficRates.key(route, rule, endpoint), new TrafficRates.Rate(0, 0, 0));
        return new EndpointView(endpoint, state, health.of(route, rule, endpoint), r.open(), r.bytesPerSecond(), r.messagesPerSecond());
    }

    /** The match in a few words: the path in full, header and query parameter names only (their values may be secrets). */
    static String describe(Match m) {
        List<String> parts = new ArrayList<>();
        if (m.path() != null) {
            parts.add("path " + m.path().kind() + " " + m.path().value());
        }
        m.headers().stream().map(ValueMatch::name).forEach(h -> parts.add("header " + h));
        m.queryParams().stream().map(ValueMatch::name).forEach(q -> parts.add("query " + q));
        if (!m.subprotocols().isEmpty()) {
            parts.add("subprotocol " + String.join("|", m.subprotocols()));
        }
        return parts.isEmpty() ? "any request" : String.join(", ", parts);
    }
}

package dev.wsroute.lifecycle;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

import dev.wsroute.model.Lifecycle;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.CompiledRule;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RuleKey;

/**
 * The health of the endpoints of every rule that has health checks. It outlives route tables (a reload keeps what
 * was learned about endpoints that stay) and follows them: each new table adds and drops pools and endpoints and
 * tells the prober what to probe. Read-only views serve status, metrics and the status page.
 */
public final class HealthRegistry {
    private final ConcurrentHashMap<RuleKey, PoolHealth> pools = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;
    private final CopyOnWriteArrayList<HealthListener> listeners = new CopyOnWriteArrayList<>();
    private final HealthListener fanOut = new FanOut();
    private volatile ActiveProber prober;

    public HealthRegistry(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Where health changes go (metrics, logs, Kubernetes Events). */
    public void addListener(HealthListener listener) {
        listeners.add(listener);
    }

    /** Stops telling {@code listener} (a status writer that closes). */
    public void removeListener(HealthListener listener) {
        listeners.remove(listener);
    }

    /** The prober that runs the active checks; set once the event loops exist. */
    public void useProber(ActiveProber prober) {
        this.prober = prober;
    }

    /** The pool health of a rule, or null when the rule has no health checks. */
    public PoolHealth pool(RuleKey rule) {
        return pools.get(rule);
    }

    /** A new table: pools follow its rules, the prober its endpoints. */
    public synchronized void tableChanged(RouteTable table) {
        Set<RuleKey> kept = new HashSet<>();
        Set<RuleKey> unchecked = new HashSet<>();
        List<HealthProbe.Target> targets = new ArrayList<>();
        for (CompiledRoute route : table.routes()) {
            for (CompiledRule rule : route.rules()) {
                Lifecycle l = rule.rule().lifecycle();
                if (!(rule.key() instanceof RuleKey key)) {
                    continue;
                }
                if (!l.healthChecked()) {
                    unchecked.add(key);
                    continue;
                }
                kept.add(key);
                List<Endpoint> endpoints = rule.pool().endpoints();
                pools.computeIfAbsent(key, k -> new PoolHealth(k, l, nanoClock, fanOut))
                        .update(key, l, endpoints.stream().map(Endpoint::key).toList());
                l.activeCheck().ifPresent(check -> {
                    String host = rule.rule().rewrite().hostname();
                    for (Endpoint e : endpoints) {
                        targets.add(new HealthProbe.Target(key, e.key(), e.address(), check, host != null ? host : e.key(),
                                rule.upstreamTls()));
                    }
                });
            }
        }
        pools.entrySet().removeIf(e -> {
            if (kept.contains(e.getKey())) {
                return false;
            }
            if (unchecked.contains(e.getKey())) { // the rule stays, without health checks: say what it lets back in
                e.getValue().checksRemoved();
            }
            return true;
        });
        listeners.forEach(l -> l.endpointsChanged(this));
        ActiveProber p = prober;
        if (p != null) {
            p.update(targets);
        }
    }

    /** About once a second: ejections that ended are reported. */
    public void tick() {
        pools.values().forEach(PoolHealth::tick);
    }

    /** Every health-checked endpoint, sorted by rule and endpoint: what status and the status page show. */
    public List<EndpointView> endpoints() {
        List<EndpointView> out = new ArrayList<>();
        pools.values().forEach(p -> out.addAll(p.view()));
        out.sort(java.util.Comparator.comparing((EndpointView v) -> v.rule().toString()).thenComparing(EndpointView::endpoint));
        return out;
    }

    /** Whether the endpoint takes new connections in every health-checked rule of the route that has it. */
    public boolean healthy(RouteId route, String endpoint) {
        for (PoolHealth p : pools.values()) {
            if (p.rule().route().equals(route) && !p.available(endpoint)) {
                return false;
            }
        }
        return true;
    }

    /** Whether some health-checked rule of the route found no healthy endpoint and is using all of them. */
    public boolean failingOpen(RouteId route) {
        return pools.values().stream().anyMatch(p -> p.rule().route().equals(route) && p.failingOpen());
    }

    private final class FanOut implements HealthListener {
        @Override
        public void healthChanged(RuleKey rule, String endpoint, boolean healthy, String why) {
            listeners.forEach(l -> l.healthChanged(rule, endpoint, healthy, why));
        }

        @Override
        public void ejected(RuleKey rule, String endpoint, java.time.Duration period, String why) {
            listeners.forEach(l -> l.ejected(rule, endpoint, period, why));
        }

        @Override
        public void returned(RuleKey rule, String endpoint) {
            listeners.forEach(l -> l.returned(rule, endpoint));
        }

        @Override
        public void returned(RuleKey rule, String endpoint, String why) {
            listeners.forEach(l -> l.returned(rule, endpoint, why));
        }
    }
}

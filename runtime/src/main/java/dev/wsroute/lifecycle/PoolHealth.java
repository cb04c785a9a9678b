package dev.wsroute.lifecycle;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

import dev.wsroute.model.Lifecycle;
import dev.wsroute.model.Lifecycle.ActiveCheck;
import dev.wsroute.model.Lifecycle.PassiveCheck;
import dev.wsroute.table.RuleKey;

/**
 * Health of the endpoints of one rule, from active probes and from the outcomes of real traffic (passive
 * ejection), as Envoy's health checker and outlier detector do it. Endpoints start healthy (Kubernetes readiness
 * already admitted them). Reads on the hot path are volatile reads; changes take the pool's lock. Thread-safe.
 */
public final class PoolHealth {
    /** An upstream that dies this soon after its 101 counts as a failure; later it was a session, not a failure. */
    static final long EARLY_DEATH_NANOS = Duration.ofSeconds(10).toNanos();
    private static final int MAX_EJECTION_MULTIPLIER = 10;

    private volatile RuleKey rule; // the latest table's: an equal key, with the rule's position now
    private final LongSupplier nanoClock;
    private final HealthListener listener;
    private final ConcurrentHashMap<String, EndpointState> endpoints = new ConcurrentHashMap<>();
    private volatile Lifecycle lifecycle;

    public PoolHealth(RuleKey rule, Lifecycle lifecycle, LongSupplier nanoClock, HealthListener listener) {
        this.rule = rule;
        this.lifecycle = lifecycle;
        this.nanoClock = nanoClock;
        this.listener = listener;
    }

    public RuleKey rule() {
        return rule;
    }

    public Lifecycle lifecycle() {
        return lifecycle;
    }

    /**
     * A new table: endpoints it no longer has are forgotten, new ones start healthy. A rule that no longer has an
     * active check forgets what its probes said: nothing would probe an endpoint they failed back into the pool. One
     * that no longer has a passive check ends its ejections now (they were the passive check's verdict; left to run,
     * one lasted up to 10 × the base ejection time) and forgets their history.
     */
    public synchronized void update(RuleKey rule, Lifecycle lifecycle, Collection<String> endpointKeys) {
        if (!rule.equals(this.rule)) {
            throw new IllegalArgumentException(rule + " is not " + this.rule);
        }
        this.rule = rule;
        this.lifecycle = lifecycle;
        endpoints.keySet().retainAll(endpointKeys);
        for (String key : endpointKeys) {
            endpoints.computeIfAbsent(key, EndpointState::new);
        }
        if (lifecycle.activeCheck().isEmpty()) {
            for (EndpointState e : endpoints.values()) {
                e.probePasses = 0;
                e.probeFailures = 0;
                if (!e.probeHealthy) {
                    e.probeHealthy = true;
                    listener.healthChanged(rule, e.key, true, "the rule has no active health check any more");
                }
            }
        }
        if (lifecycle.passiveCheck().isEmpty()) {
            endEjections("the rule has no passive health check any more");
        }
    }

    /**
     * The rule is kept without any health check (the registry drops this pool): every endpoint takes connections
     * again at once; those the probes had failed or passive health had ejected are reported as back.
     */
    synchronized void checksRemoved() {
        String why = "the rule has no health check any more";
        for (EndpointState e : endpoints.values()) {
            if (!e.probeHealthy) {
                e.probeHealthy = true;
                listener.healthChanged(rule, e.key, true, why);
            }
        }
        endEjections(why);
    }

    private void endEjections(String why) {
        for (EndpointState e : endpoints.values()) {
            e.consecutiveFailures = 0;
            e.ejections = 0;
            boolean unreported = !e.reported; // ejected, or its end not reported yet
            e.ejectedUntil = 0;
            e.reported = true;
            if (unreported) {
                listener.returned(rule, e.key, why);
            }
        }
    }

    /** Whether the endpoint takes new connections: its probes pass and it is not ejected. Unknown endpoints do. */
    public boolean available(String key) {
        EndpointState e = endpoints.get(key);
        return e == null || e.available(nanoClock.getAsLong());
    }

    /**
     * The endpoints that take new connections; when none does, all of them (fail open: a pool that is wrong about
     * every endpoint must not turn away every client).
     */
    public <T> List<T> candidates(List<T> ready, Function<T, String> key) {
        long now = nanoClock.getAsLong();
        List<T> out = null;
        for (int i = 0; i < ready.size(); i++) {
            EndpointState e = endpoints.get(key.apply(ready.get(i)));
            boolean ok = e == null || e.available(now);
            if (!ok && out == null) {
                out = new ArrayList<>(ready.subList(0, i));
            } else if (ok && out != null) {
                out.add(ready.get(i));
            }
        }
        return out == null || out.isEmpty() ? ready : out;
    }

    /** Whether no endpoint of the pool is healthy, so that every ready one takes new connections. */
    public boolean failingOpen() {
        long now = nanoClock.getAsLong();
        return !endpoints.isEmpty() && endpoints.values().stream().noneMatch(e -> e.available(now));
    }

    /** An active probe's outcome; the thresholds turn a run of them into a change of state. */
    public synchronized void probed(String key, boolean passed, String detail) {
        EndpointState e = endpoints.get(key);
        ActiveCheck check = lifecycle.activeCheck().orElse(null);
        if (e == null || check == null) {
            return;
        }
        if (passed) {
            e.probeFailures = 0;
            if (!e.probeHealthy && ++e.probePasses >= check.healthyThreshold()) {
                e.probeHealthy = true;
                e.probePasses = 0;
                listener.healthChanged(rule, key, true, "active health check passed " + check.healthyThreshold() + " time(s)");
            }
        } else {
            e.probePasses = 0;
            if (e.probeHealthy && ++e.probeFailures >= check.unhealthyThreshold()) {
                e.probeHealthy = false;
                e.probeFailures = 0;
                listener.healthChanged(rule, key, false, "active health check failed " + check.unhealthyThreshold()
                        + " time(s): " + detail);
            }
        }
    }

    /** A connection to the endpoint was refused or timed out. */
    public void connectFailed(String key) {
        failure(key, "connect failed");
    }

    /**
     * The endpoint answered an upgrade: 5xx is a failure; another refusal ends a run of failures. A 101 is not a
     * success yet: the session tells when it ends ({@link #tunnelEnded}).
     */
    public void answered(String key, int status) {
        if (status >= 500) {
            failure(key, "upgrade answered " + status);
        } else if (status != 101) {
            succeeded(key);
        }
    }

    /**
     * A tunnel ended, {@code ageNanos} after its 101, with {@code code} as the proxy saw it. An upstream that went
     * away (1006, or the 1011 the proxy sends for a dead one) within 10 s is a failure; any other end — a normal
     * close, a client that left, a long session, an upstream that died while its socket drained (the proxy sends 1001
     * then: its endpoint was leaving) — is a success.
     */
    public void tunnelEnded(String key, boolean upstreamClosed, int code, long ageNanos) {
        if (upstreamClosed && (code == 1006 || code == 1011) && ageNanos < EARLY_DEATH_NANOS) {
            failure(key, "upstream gone (" + code + ") " + ageNanos / 1_000_000 + " ms after its 101");
        } else {
            succeeded(key);
        }
    }

    private void succeeded(String key) {
        EndpointState e = endpoints.get(key);
        if (e != null) {
            e.consecutiveFailures = 0; // a benign race with failure(): at worst one failure more or less in a run
        }
    }

    private synchronized void failure(String key, String why) {
        PassiveCheck passive = lifecycle.passiveCheck().orElse(null);
        EndpointState e = endpoints.get(key);
        long now = nanoClock.getAsLong();
        if (passive == null || e == null || e.ejected(now)) {
            return;
        }
        if (++e.consecutiveFailures < passive.consecutiveFailures()) {
            return;
        }
        long ejectedNow = endpoints.values().stream().filter(x -> x.ejected(now)).count();
        if (ejectedNow + 1 > endpoints.size() * passive.maxEjectionPercent() / 100) {
            return; // maxEjectionPercent: keep it in; the run of failures goes on counting
        }
        long base = passive.baseEjectionTime().toNanos();
        if (e.ejections > 0 && e.ejectedUntil != 0) { // each base period since it came back forgets one ejection
            long healthySince = Math.max(0, now - e.ejectedUntil);
            e.ejections = (int) Math.max(0, e.ejections - healthySince / base);
        }
        int multiplier = Math.min(1 << Math.min(e.ejections, 4), MAX_EJECTION_MULTIPLIER);
        e.ejections++;
        e.totalEjections++;
        e.consecutiveFailures = 0;
        e.ejectedUntil = now + base * multiplier;
        e.reported = false;
        listener.ejected(rule, key, Duration.ofNanos(base * multiplier), why + ", " + passive.consecutiveFailures()
                + " consecutive failure(s)");
    }

    /** Called about once a second: reports endpoints whose ejection has ended. */
    public synchronized void tick() {
        long now = nanoClock.getAsLong();
        for (EndpointState e : endpoints.values()) {
            if (e.ejectedUntil != 0 && !e.reported && !e.ejected(now)) {
                e.reported = true;
                listener.returned(rule, e.key);
            }
        }
    }

    /** A read-only view of every endpoint, sorted by key: for status, metrics and the status page. */
    public List<EndpointView> view() {
        long now = nanoClock.getAsLong();
        boolean open = failingOpen();
        return endpoints.values().stream()
                .map(e -> new EndpointView(rule, e.key, e.available(now), e.probeHealthy, e.ejected(now), e.totalEjections, open))
                .sorted(java.util.Comparator.comparing(EndpointView::endpoint))
                .toList();
    }

    private static final class EndpointState {
        final String key;
        volatile boolean probeHealthy = true;
        volatile long ejectedUntil; // nanoClock value; 0: never ejected
        volatile int consecutiveFailures;
        int probePasses;
        int probeFailures;
        int ejections; // recent ones, for the backoff
        long totalEjections;
        boolean reported = true; // whether the end of the last ejection was reported

        EndpointState(String key) {
            this.key = key;
        }

        boolean ejected(long now) {
            long until = ejectedUntil;
            return until != 0 && now - until < 0;
        }

        boolean available(long now) {
            return probeHealthy && !ejected(now);
        }
    }
}

package dev.wsroute.operator.cluster;

import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

import dev.wsroute.api.WebSocketRouteStatus;
import dev.wsroute.lifecycle.EndpointView;
import dev.wsroute.lifecycle.HealthListener;
import dev.wsroute.lifecycle.HealthRegistry;
import dev.wsroute.model.RouteId;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.ClusterView;
import dev.wsroute.operator.translate.RouteStatusDraft;
import dev.wsroute.operator.translate.Translation;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.RuleKey;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The one status writer: takes each pass's statuses and, while this replica may write (it holds the Lease),
 * writes every route whose status differs from what the cluster has. A status is written whole, in one request,
 * with the route's resourceVersion (a route that changed meanwhile is written again from the next look). Runs on
 * its own thread, the latest pass wins, and it stops at once when the Lease is lost.
 * <p>
 * A route's status is written at most once per {@code interval}: during a rolling deploy of a large backend every
 * EndpointSlice change makes a pass (the data plane's table follows each at once), and writing each pass's pools,
 * hundreds of KB for a big Service, would put thousands of such writes on the API server and etcd. The first change
 * after a quiet interval is written at once; what comes within it is written together at its end, as it is then.
 * Across routes, the process writes at most {@link StatusPace#writesPerSecond()} statuses a second after a first
 * {@link StatusPace#burst()}: many routes to one big Service all change at each of its rollout's steps. A route over
 * that cap waits for a token and is then written as it is at that time; the route written longest ago goes first, so a
 * busy route cannot keep the others waiting. A look never waits for a token: it comes back when there is one.
 * A status is kept within what etcd stores ({@link StatusBudget}). A write the API server refuses is tried again
 * after a growing pause, logged once at WARN; one refused as too large is tried again at once with half the room,
 * given back in full once the route lists fewer endpoints than the refused status did. These retries are the writer's
 * alone: its client does not resend a status write answered 5xx itself.
 * Where this process runs a data plane, the health of its endpoints is laid over each status ({@link HealthOverlay})
 * and a change of health is written too, at most once per {@link #HEALTH_HOLD_OFF_MILLIS}.
 */
final class StatusWriter implements Consumer<Translation>, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StatusWriter.class);
    /** A conflict means the cache has not seen the route's latest version yet: look again soon. */
    private static final long CONFLICT_RETRY_MILLIS = 500;
    /** A refused write is tried again after this, doubled at each refusal up to {@link #MAX_BACKOFF_MILLIS}. */
    private static final long FIRST_BACKOFF_MILLIS = 500;
    private static final long MAX_BACKOFF_MILLIS = 60_000;
    /** Room a status refused as too large is cut down to, at the least. */
    private static final int MIN_BUDGET_BYTES = 64 * 1024;
    /** Health changes within this window are written together. */
    static final long HEALTH_HOLD_OFF_MILLIS = 1000;
    /**
     * The longest a look is put off: one due later (a token hours away at a tiny status-writes-per-second) is looked at
     * again after this, and put off again. Keeps the delay arithmetic far from overflowing.
     */
    static final long MAX_LOOK_DELAY_MILLIS = TimeUnit.HOURS.toMillis(1);
    private static final long MAX_LOOK_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(MAX_LOOK_DELAY_MILLIS);
    /** No look needs to come back: nothing waits. */
    private static final long NO_LOOK = Long.MAX_VALUE;

    /** What was last written for a route, on top of which version of it (until the cache shows the write). */
    private record Written(String baseVersion, WebSocketRouteStatus status) {
    }

    /** A route whose writes the API server refuses: how many times in a row, and when to try again. */
    private record Refused(int times, long retryAtNanos) {
    }

    /** The room left for a route's status after one was refused as too large, and how many endpoints that one listed. */
    private record Room(int bytes, int refusedEndpoints) {
    }

    private enum Outcome { WRITTEN, GONE, CONFLICT, REFUSED }

    private final KubernetesClient client;
    private final ClusterView view;
    private final BooleanSupplier mayWrite;
    private final long intervalNanos;
    private final TokenBucket tokens;
    /** The time the pace is counted in ({@link System#nanoTime()}; a test's own). Looks are scheduled in real time. */
    private final LongSupplier clock;
    private final AtomicReference<Translation> latest = new AtomicReference<>();
    private final AtomicBoolean healthScheduled = new AtomicBoolean();
    private final HealthRegistry health;
    private final HealthListener healthChanges = new HealthChanges();
    private final Map<RouteId, Written> written = new ConcurrentHashMap<>();
    // on the writer's thread only; lastWriteNanos in the order of the writes, the route written longest ago first
    private final Map<RouteId, Long> lastWriteNanos = new LinkedHashMap<>();
    private final Map<RouteId, Refused> refused = new HashMap<>();
    private final Map<RouteId, Room> rooms = new HashMap<>();
    private final ScheduledExecutorService executor = Daemons.single("wsroute-status-writer");
    private ScheduledFuture<?> nextLook; // guarded by this
    private long nextLookNanos;
    private volatile long writes;
    private volatile long refusals;
    private volatile long looks;
    private volatile long lastLookNanos;

    StatusWriter(KubernetesClient client, ClusterView view, BooleanSupplier mayWrite, HealthRegistry health) {
        this(client, view, mayWrite, health, StatusPace.DEFAULT);
    }

    /**
     * @param view the routes as the cluster has them (their current status is what is compared)
     * @param mayWrite whether this replica holds the Lease, asked before every write
     * @param health this process's endpoint health, or null without a data plane (operator mode: no health in status)
     * @param pace the least time between two writes of one route's status, and the cap on writes across routes
     */
    StatusWriter(KubernetesClient client, ClusterView view, BooleanSupplier mayWrite, HealthRegistry health,
            StatusPace pace) {
        this(client, view, mayWrite, health, pace, System::nanoTime);
    }

    /** @param clock the time the pace is counted in, as {@link System#nanoTime()} (tests move their own) */
    StatusWriter(KubernetesClient client, ClusterView view, BooleanSupplier mayWrite, HealthRegistry health,
            StatusPace pace, LongSupplier clock) {
        this.clock = clock;
        this.client = OneTryClient.of(client); // the writer's back-off is the only retry (its Events too)
        this.view = view;
        this.mayWrite = mayWrite;
        this.health = health;
        this.intervalNanos = pace.interval().toNanos();
        this.tokens = new TokenBucket(pace.writesPerSecond(), pace.burst(), clock.getAsLong());
        if (health != null) {
            health.addListener(healthChanges);
        }
    }

    /** The statuses of a pass: written soon, unless a newer pass comes first. */
    @Override
    public void accept(Translation translation) {
        latest.set(translation);
        request(0);
    }

    /** The Lease was won: compare every route with the cluster afresh. */
    void leaseWon() {
        written.clear();
        request(0);
    }

    /** How many statuses this replica wrote. */
    long writes() {
        return writes;
    }

    /** How many of this replica's status writes the API server refused (a conflict is no refusal). */
    long refusals() {
        return refusals;
    }

    /** How many times the writer compared a pass with the cluster (or found it may not write). */
    long looks() {
        return looks;
    }

    /** How long the last look took, writes included. */
    long lastLookNanos() {
        return lastLookNanos;
    }

    /** How long until the next look is due, in real time; -1 if none is scheduled (or one is under way). */
    synchronized long nanosUntilNextLook() {
        return nextLook == null ? -1 : nextLookNanos - System.nanoTime();
    }

    /**
     * The sooner of a look already due and one in {@code nanos}, which counts as at most {@link #MAX_LOOK_DELAY_MILLIS}:
     * a wait for a token too far away to count (Long.MAX_VALUE ns at a rate below about 1e-10 a second) is a look in an
     * hour, not {@link #NO_LOOK}.
     */
    private static long sooner(long again, long nanos) {
        return Math.min(again, Math.min(nanos, MAX_LOOK_DELAY_NANOS));
    }

    /**
     * A look's delay for a wait of {@code nanos}: rounded up to whole milliseconds, at most
     * {@link #MAX_LOOK_DELAY_MILLIS} (adding the rounding to a wait just under Long.MAX_VALUE went negative: a look at
     * once, again and again).
     */
    static long lookDelayMillis(long nanos) {
        if (nanos >= MAX_LOOK_DELAY_NANOS) {
            return MAX_LOOK_DELAY_MILLIS;
        }
        return TimeUnit.NANOSECONDS.toMillis(Math.max(0, nanos) + 999_999);
    }

    /** A look in {@code delayMillis}, unless one is due by then already. */
    private synchronized void request(long delayMillis) {
        long at = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
        if (nextLook != null && nextLookNanos - at <= 0) {
            return;
        }
        if (nextLook != null) {
            nextLook.cancel(false);
        }
        try {
            nextLook = executor.schedule(this::writeChanged, delayMillis, TimeUnit.MILLISECONDS);
            nextLookNanos = at;
        } catch (RejectedExecutionException closed) {
            // the writer is closing: nothing more to write
        }
    }

    /** Health changed (called on event loops, under a pool's lock): a look after the hold-off. */
    private void healthChanged() {
        if (healthScheduled.compareAndSet(false, true)) {
            try {
                executor.schedule(() -> {
                    healthScheduled.set(false);
                    request(0);
                }, HEALTH_HOLD_OFF_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closed) {
                // the writer is closing: nothing more to write
            }
        }
    }

    private void writeChanged() {
        synchronized (this) {
            nextLook = null; // a request from now on is a new look: it may bring a newer pass
        }
        long start = System.nanoTime();
        try {
            compareAndWrite(latest.get());
        } finally {
            lastLookNanos = System.nanoTime() - start;
            looks++;
        }
    }

    private void compareAndWrite(Translation t) {
        if (t == null || !mayWrite.getAsBoolean()) {
            return;
        }
        Map<RouteId, WebSocketRoute> current = new HashMap<>();
        view.routes().forEach(r -> current.put(Translator.id(r), r));
        written.keySet().retainAll(current.keySet());
        lastWriteNanos.keySet().retainAll(current.keySet());
        refused.keySet().retainAll(current.keySet());
        rooms.keySet().retainAll(current.keySet());
        List<EndpointView> endpoints = health == null ? List.of() : health.endpoints();
        long again = NO_LOOK; // nanos until the next look is due
        for (RouteId id : longestWaitingFirst(t.statuses().keySet())) {
            RouteStatusDraft draft = t.statuses().get(id);
            WebSocketRoute route = current.get(id);
            if (route == null) {
                continue; // deleted since the pass
            }
            long wait = waitNanos(id);
            if (wait > 0) {
                // compared (and written if changed) when the wait ends, as it is then: the latest pass wins, and a
                // big status is not turned into JSON trees at every pass of a rolling deploy
                again = sooner(again, wait);
                continue;
            }
            WebSocketRouteStatus old = route.getStatus();
            RouteStatusDraft fitted = StatusBudget.fit(draft, room(id, draft));
            WebSocketRouteStatus now = HealthOverlay.apply(StatusMerge.merge(old, fitted, Instant.now()), id, endpoints);
            if (StatusMerge.same(old, now) || alreadyWritten(id, route, now)) {
                continue;
            }
            if (!mayWrite.getAsBoolean()) {
                return; // the Lease is gone: not one more write
            }
            if (!tokens.tryTake(clock.getAsLong())) {
                // over the cap across routes: this route and those after it are looked at again when there is a
                // token, and written as they are then
                again = sooner(again, tokens.nanosUntilToken(clock.getAsLong()));
                break;
            }
            Outcome o = write(route, old, now);
            if (o == Outcome.CONFLICT) {
                again = sooner(again, TimeUnit.MILLISECONDS.toNanos(CONFLICT_RETRY_MILLIS));
            } else if (o == Outcome.REFUSED) {
                again = sooner(again, Math.max(0, waitNanos(id)));
            }
        }
        if (again != NO_LOOK) {
            request(lookDelayMillis(again));
        }
    }

    /** The routes never written first, then the one written longest ago: the order in which tokens are handed out. */
    private List<RouteId> longestWaitingFirst(Set<RouteId> ids) {
        List<RouteId> order = new ArrayList<>(ids.size());
        ids.stream().filter(id -> !lastWriteNanos.containsKey(id)).forEach(order::add);
        lastWriteNanos.keySet().stream().filter(ids::contains).forEach(order::add);
        return order;
    }

    /**
     * The room for the route's status: halved after one was refused as too large, and whole again once the route has
     * fewer endpoints than that status listed, as after its Service shrank (a status no larger may well be taken).
     */
    private int room(RouteId id, RouteStatusDraft draft) {
        Room r = rooms.get(id);
        if (r == null) {
            return StatusBudget.DEFAULT_BYTES;
        }
        int now = StatusBudget.endpoints(draft.pools());
        if (now < r.refusedEndpoints()) {
            rooms.remove(id);
            LOG.infof("%s has %d endpoints, fewer than the %d of its status refused as too large: its status may take %d KiB"
                    + " again", id, now, r.refusedEndpoints(), StatusBudget.DEFAULT_BYTES / 1024);
            return StatusBudget.DEFAULT_BYTES;
        }
        return r.bytes();
    }

    /** How long until the route may be written: an interval after its last write, and not while backing off. */
    private long waitNanos(RouteId id) {
        long now = clock.getAsLong();
        Long last = lastWriteNanos.get(id);
        long wait = last == null ? 0 : last + intervalNanos - now;
        Refused r = refused.get(id);
        return r == null ? wait : Math.max(wait, r.retryAtNanos() - now);
    }

    /** Written already, and the cache has not caught up with that write yet. */
    private boolean alreadyWritten(RouteId id, WebSocketRoute route, WebSocketRouteStatus now) {
        Written w = written.get(id);
        return w != null && Objects.equals(w.baseVersion(), route.getMetadata().getResourceVersion())
                && StatusMerge.same(w.status(), now);
    }

    private Outcome write(WebSocketRoute route, WebSocketRouteStatus old, WebSocketRouteStatus now) {
        RouteId id = Translator.id(route);
        WebSocketRoute update = new WebSocketRoute();
        update.setMetadata(new ObjectMetaBuilder().withNamespace(route.getMetadata().getNamespace())
                .withName(route.getMetadata().getName()).withResourceVersion(route.getMetadata().getResourceVersion())
                .build());
        update.setSpec(route.getSpec());
        update.setStatus(now);
        try {
            client.resource(update).updateStatus();
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                return Outcome.GONE; // deleted: nothing to retry
            }
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                return Outcome.CONFLICT;
            }
            refused(id, now, e);
            return Outcome.REFUSED;
        }
        written.put(id, new Written(route.getMetadata().getResourceVersion(), now));
        lastWriteNanos.remove(id); // to the end of the order
        lastWriteNanos.put(id, clock.getAsLong());
        writes++;
        Refused before = refused.remove(id);
        if (before != null) {
            LOG.infof("wrote the status of %s after %d refused attempt(s)", id, before.times());
        }
        RouteEvents.emit(client, route, old, now);
        return Outcome.WRITTEN;
    }

    /**
     * The API server refused the write (not a conflict): try again after a pause that doubles each time, so a status
     * that can never be written is not sent twice a second forever. Refused as too large (etcd's limit, or the API
     * server's own 3 MiB), it is tried again at once with half the room for endpoints.
     */
    private void refused(RouteId id, WebSocketRouteStatus status, KubernetesClientException e) {
        refusals++;
        Refused before = refused.get(id);
        int times = before == null ? 1 : before.times() + 1;
        int budget = rooms.containsKey(id) ? rooms.get(id).bytes() : StatusBudget.DEFAULT_BYTES;
        String why = "HTTP " + e.getCode() + ": " + (e.getStatus() != null && e.getStatus().getMessage() != null
                ? e.getStatus().getMessage() : e.getMessage());
        if (tooLarge(e) && budget > MIN_BUDGET_BYTES) {
            int smaller = Math.max(MIN_BUDGET_BYTES, budget / 2);
            rooms.put(id, new Room(smaller, StatusBudget.endpoints(status.pools)));
            refused.put(id, new Refused(times, clock.getAsLong()));
            LOG.warnf("the API server refused the status of %s as too large (%s): writing it again with at most %d KiB,"
                    + " fewer endpoints listed in status.pools (its PoolsComplete condition says how many)", id, why,
                    smaller / 1024);
            return;
        }
        long pause = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << Math.min(times - 1, 20));
        refused.put(id, new Refused(times, clock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(pause)));
        if (before == null) {
            LOG.warnf("could not write the status of %s (%s): trying again after a pause that grows to %d s", id, why,
                    MAX_BACKOFF_MILLIS / 1000);
        } else {
            LOG.debugf("could not write the status of %s, %d times in a row (%s): next try in %d ms", id, times, why,
                    pause);
        }
    }

    /** etcd's "request is too large" (kube-apiserver answers 500 with it) or the API server's own 413. */
    private static boolean tooLarge(KubernetesClientException e) {
        String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : String.valueOf(e.getMessage());
        return e.getCode() == 413 || message.contains("request is too large");
    }

    @Override
    public void close() {
        if (health != null) {
            health.removeListener(healthChanges);
        }
        executor.shutdownNow();
    }

    private final class HealthChanges implements HealthListener {
        @Override
        public void healthChanged(RuleKey rule, String endpoint, boolean healthy, String why) {
            StatusWriter.this.healthChanged();
        }

        @Override
        public void ejected(RuleKey rule, String endpoint, Duration period, String why) {
            StatusWriter.this.healthChanged();
        }

        @Override
        public void returned(RuleKey rule, String endpoint) {
            StatusWriter.this.healthChanged();
        }

        @Override
        public void endpointsChanged(HealthRegistry registry) {
            StatusWriter.this.healthChanged();
        }
    }
}

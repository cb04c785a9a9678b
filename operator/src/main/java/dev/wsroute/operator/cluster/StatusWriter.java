package dev.wsroute.operator.cluster;

import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

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
 * Where this process runs a data plane, the health of its endpoints is laid over each status ({@link HealthOverlay})
 * and a change of health is written too, at most once per {@link #HEALTH_HOLD_OFF_MILLIS}.
 */
final class StatusWriter implements Consumer<Translation>, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StatusWriter.class);
    private static final long RETRY_MILLIS = 500;
    /** Health changes within this window are written together. */
    static final long HEALTH_HOLD_OFF_MILLIS = 1000;
    /** The default of {@code wsroute.kubernetes.status-interval}. */
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    /** What was last written for a route, on top of which version of it (until the cache shows the write). */
    private record Written(String baseVersion, WebSocketRouteStatus status) {
    }

    private enum Outcome { WRITTEN, GONE, RETRY }

    private final KubernetesClient client;
    private final ClusterView view;
    private final BooleanSupplier mayWrite;
    private final long intervalNanos;
    private final AtomicReference<Translation> latest = new AtomicReference<>();
    private final AtomicBoolean healthScheduled = new AtomicBoolean();
    private final HealthRegistry health;
    private final HealthListener healthChanges = new HealthChanges();
    private final Map<RouteId, Written> written = new ConcurrentHashMap<>();
    // on the writer's thread only
    private final Map<RouteId, Long> lastWriteNanos = new HashMap<>();
    private final ScheduledExecutorService executor = Daemons.single("wsroute-status-writer");
    private ScheduledFuture<?> nextLook; // guarded by this
    private long nextLookNanos;
    private volatile long writes;
    private volatile long looks;

    StatusWriter(KubernetesClient client, ClusterView view, BooleanSupplier mayWrite, HealthRegistry health) {
        this(client, view, mayWrite, health, DEFAULT_INTERVAL);
    }

    /**
     * @param view the routes as the cluster has them (their current status is what is compared)
     * @param mayWrite whether this replica holds the Lease, asked before every write
     * @param health this process's endpoint health, or null without a data plane (operator mode: no health in status)
     * @param interval the least time between two writes of one route's status
     */
    StatusWriter(KubernetesClient client, ClusterView view, BooleanSupplier mayWrite, HealthRegistry health,
            Duration interval) {
        this.client = client;
        this.view = view;
        this.mayWrite = mayWrite;
        this.health = health;
        this.intervalNanos = interval.toNanos();
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

    /** How many times the writer compared a pass with the cluster (or found it may not write). */
    long looks() {
        return looks;
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
        try {
            compareAndWrite(latest.get());
        } finally {
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
        List<EndpointView> endpoints = health == null ? List.of() : health.endpoints();
        long again = Long.MAX_VALUE; // nanos until the next look is due
        for (Map.Entry<RouteId, RouteStatusDraft> e : t.statuses().entrySet()) {
            RouteId id = e.getKey();
            WebSocketRoute route = current.get(id);
            if (route == null) {
                continue; // deleted since the pass
            }
            WebSocketRouteStatus old = route.getStatus();
            WebSocketRouteStatus now = HealthOverlay.apply(StatusMerge.merge(old, e.getValue(), Instant.now()), id,
                    endpoints);
            if (StatusMerge.same(old, now) || alreadyWritten(id, route, now)) {
                continue;
            }
            long wait = waitNanos(id);
            if (wait > 0) {
                again = Math.min(again, wait); // written then, as it is then: the latest pass wins
                continue;
            }
            if (!mayWrite.getAsBoolean()) {
                return; // the Lease is gone: not one more write
            }
            if (write(route, old, now) == Outcome.RETRY) {
                again = Math.min(again, TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS));
            }
        }
        if (again != Long.MAX_VALUE) {
            request(TimeUnit.NANOSECONDS.toMillis(again + 999_999));
        }
    }

    /** How long until the route may be written: an interval after its last write. */
    private long waitNanos(RouteId id) {
        Long last = lastWriteNanos.get(id);
        return last == null ? 0 : last + intervalNanos - System.nanoTime();
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
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                LOG.debugf("could not write the status of %s (will retry): %s", id, e.getMessage());
            }
            return Outcome.RETRY;
        }
        written.put(id, new Written(route.getMetadata().getResourceVersion(), now));
        lastWriteNanos.put(id, System.nanoTime());
        writes++;
        RouteEvents.emit(client, route, old, now);
        return Outcome.WRITTEN;
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

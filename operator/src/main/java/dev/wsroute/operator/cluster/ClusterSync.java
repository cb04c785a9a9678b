package dev.wsroute.operator.cluster;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.BackendResolver;
import dev.wsroute.operator.translate.Translation;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.tls.ServerCertificates;
import dev.wsroute.tls.TlsResolver;

/**
 * Keeps the data plane's table and the routes' statuses in step with the cluster: changes mark what is stale, and
 * one translation pass per short hold-off, on a single thread, yields both the next table (compiled and published
 * here) and every route's status (handed to the status writer). Service and slice events only drop that Service's
 * resolution ({@link CachingResolver}); a failed pass leaves the last table in force.
 */
public final class ClusterSync implements ClusterListener, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ClusterSync.class);

    private final Function<BackendResolver, Translation> pass;
    private final CachingResolver resolver;
    private final RouteTableHolder holder; // null: no data plane (operator mode)
    private final Supplier<TlsResolver> tls;
    private final Consumer<Translation> statuses;
    private final Duration holdOff;
    private final boolean routeStatusMatters;
    private final ScheduledExecutorService executor = Daemons.single("wsroute-cluster-sync");
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** Set by the first {@link #rebuildNow}: until then the stores are still being listed, and events make no pass. */
    private volatile boolean started;
    private final Set<String> staleServices = ConcurrentHashMap.newKeySet();
    private volatile long version;
    private volatile long passes;
    private volatile long lastPassNanos;
    private ScheduledFuture<?> validityCheck; // on the executor's thread only

    /**
     * @param pass one translation pass over the cluster, through the given resolver
     * @param holder where tables are published; null when there is no data plane
     * @param statuses takes each pass's statuses (the status writer, or nothing)
     * @param routeStatusMatters whether a status-only change of a route changes the table (sidecar mode)
     */
    ClusterSync(Function<BackendResolver, Translation> pass, CachingResolver resolver, RouteTableHolder holder,
            Supplier<TlsResolver> tls, Consumer<Translation> statuses, Duration holdOff, boolean routeStatusMatters) {
        this.pass = pass;
        this.resolver = resolver;
        this.holder = holder;
        this.tls = tls;
        this.statuses = statuses;
        this.holdOff = holdOff;
        this.routeStatusMatters = routeStatusMatters;
    }

    @Override
    public void routeChanged(WebSocketRoute old, WebSocketRoute now) {
        if (routeStatusMatters || old == null || now == null
                || !Objects.equals(old.getMetadata().getGeneration(), now.getMetadata().getGeneration())) {
            request();
        }
    }

    @Override
    public void serviceChanged(String namespace, String name) {
        staleServices.add(namespace + "/" + name);
        request();
    }

    @Override
    public void secretChanged(String namespace, String name) {
        // the TLS resolver reads Secrets afresh at every pass
        request();
    }

    /** After a relist every object may have changed while no event came: forget every resolution. */
    void everythingChanged() {
        executor.execute(resolver::invalidateAll);
        request();
    }

    /**
     * Runs a pass now and waits for it (startup, once the caches synced). Events before the first call make no pass
     * of their own: while the informers list, a pass would see routes without their Services (ServiceNotFound, empty
     * pools) and publish that; the first pass here reads all they brought.
     */
    public void rebuildNow() {
        started = true;
        try {
            executor.submit(this::runPass).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private void request() {
        if (started && scheduled.compareAndSet(false, true)) {
            executor.schedule(this::runPass, holdOff.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void runPass() {
        scheduled.set(false);
        Set<String> stale = new HashSet<>(staleServices);
        staleServices.removeAll(stale);
        resolver.invalidate(stale);
        long start = System.nanoTime();
        try {
            Translation t = pass.apply(resolver);
            if (holder != null) {
                RouteTable table = new TableBuilder(t.table().endpoints(), tls.get()).build(version + 1,
                        t.table().routes(), p -> LOG.debugf("route %s: %s (%s)", p.route(), p.reason(), p.message()),
                        holder.current());
                holder.publish(table);
                version = table.version();
                scheduleValidityCheck(table.certificates());
                LOG.debugf("published route table %d with %d routes", version, t.table().routes().size());
            } else {
                // no data plane (operator mode): the statuses alone must still turn at a certificate's dates
                scheduleValidityCheck(tls.get().serverCertificates(t.table().routes(), problem -> {
                }));
            }
            passes++;
            lastPassNanos = System.nanoTime() - start;
            statuses.accept(t);
        } catch (RuntimeException e) {
            // a bug or an unexpected object must not empty the data plane: the last table stays
            LOG.errorf(e, "could not translate the cluster; table %d stays in force", version);
        }
    }

    /**
     * A certificate that expires (or becomes valid) while nothing in the cluster changes must take effect then, not at
     * the next event: one timer, at the earliest such instant of the table in force, asks for a pass (the route's
     * condition turns InvalidCertificate and it gets the default certificate).
     */
    private void scheduleValidityCheck(ServerCertificates certificates) {
        if (validityCheck != null) {
            validityCheck.cancel(false);
            validityCheck = null;
        }
        Instant now = Instant.now();
        certificates.nextValidityChange(now).ifPresent(at -> {
            // notAfter is the last valid second: one second past it, the certificate is expired on any clock reading
            long delay = Math.max(0, Duration.between(now, at).toMillis()) + 1000;
            validityCheck = executor.schedule(this::request, delay, TimeUnit.MILLISECONDS);
        });
    }

    /** Version of the last table published (0: none yet). */
    public long version() {
        return version;
    }

    /** How many passes completed. */
    public long passes() {
        return passes;
    }

    /** How long the last successful pass took, translation to publish. */
    public long lastPassNanos() {
        return lastPassNanos;
    }

    long resolutions() {
        return resolver.resolutions();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}

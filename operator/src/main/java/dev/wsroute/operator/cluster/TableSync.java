package dev.wsroute.operator.cluster;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import org.jboss.logging.Logger;

import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.tls.TlsResolver;

/**
 * Keeps the data plane's table in step with the cluster: changes mark what is stale, and one rebuild per short
 * hold-off compiles and publishes a new table on a single thread. Service and slice events only drop that
 * Service's resolution ({@link CachingResolver}); a failed rebuild leaves the last table in force.
 */
public final class TableSync implements ClusterListener, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TableSync.class);

    private final Function<CachingResolver, TablePlan> planner;
    private final CachingResolver resolver;
    private final RouteTableHolder holder;
    private final java.util.function.Supplier<TlsResolver> tls;
    private final Duration holdOff;
    private final boolean routeStatusMatters;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "wsroute-table-sync");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Set<String> staleServices = ConcurrentHashMap.newKeySet();
    private volatile long version;
    private volatile long rebuilds;
    private volatile long lastRebuildNanos;

    /**
     * @param planner turns the cluster (through the resolver) into a plan
     * @param routeStatusMatters whether a status-only change of a route changes the table (sidecar mode)
     */
    TableSync(Function<CachingResolver, TablePlan> planner, CachingResolver resolver, RouteTableHolder holder,
            java.util.function.Supplier<TlsResolver> tls, Duration holdOff, boolean routeStatusMatters) {
        this.planner = planner;
        this.resolver = resolver;
        this.holder = holder;
        this.tls = tls;
        this.holdOff = holdOff;
        this.routeStatusMatters = routeStatusMatters;
    }

    @Override
    public void routeChanged(WebSocketRoute old, WebSocketRoute now) {
        if (routeStatusMatters || old == null || now == null
                || !java.util.Objects.equals(old.getMetadata().getGeneration(), now.getMetadata().getGeneration())) {
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
        // the TLS resolver reads Secrets afresh at every rebuild
        request();
    }

    /** Builds and publishes a table now, on the caller's thread (startup, once the caches synced). */
    public void rebuildNow() {
        try {
            executor.submit(this::rebuild).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private void request() {
        if (scheduled.compareAndSet(false, true)) {
            executor.schedule(this::rebuild, holdOff.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void rebuild() {
        scheduled.set(false);
        Set<String> stale = new HashSet<>(staleServices);
        staleServices.removeAll(stale);
        resolver.invalidate(stale);
        long start = System.nanoTime();
        try {
            TablePlan plan = planner.apply(resolver);
            RouteTable table = new TableBuilder(plan.endpoints(), tls.get()).build(version + 1, plan.routes(),
                    p -> LOG.debugf("route %s: %s (%s)", p.route(), p.reason(), p.message()), holder.current());
            holder.publish(table);
            version = table.version();
            rebuilds++;
            lastRebuildNanos = System.nanoTime() - start;
            LOG.debugf("published route table %d with %d routes", version, plan.routes().size());
        } catch (RuntimeException e) {
            // a bug or an unexpected object must not empty the data plane: the last table stays
            LOG.errorf(e, "could not build a route table; table %d stays in force", version);
        }
    }

    /** Version of the last table published (0: none yet). */
    public long version() {
        return version;
    }

    public long rebuilds() {
        return rebuilds;
    }

    /** How long the last successful rebuild took, translation to publish. */
    public long lastRebuildNanos() {
        return lastRebuildNanos;
    }

    long resolutions() {
        return resolver.resolutions();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}

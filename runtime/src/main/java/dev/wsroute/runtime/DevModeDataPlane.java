package dev.wsroute.runtime;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.metrics.Meters;
import dev.wsroute.metrics.RebindableMeters;
import dev.wsroute.proxy.DataPlane;
import dev.wsroute.proxy.ListenerBindException;
import dev.wsroute.table.Pool;
import dev.wsroute.table.RouteTableHolder;
import io.quarkus.dev.spi.HotReplacementContext;

/**
 * In dev mode the data plane outlives the app's live reloads, as Quarkus's own HTTP server does: the listener stays
 * bound, open WebSockets stay open (no drain wait), and a request that the app holds while it reloads is answered
 * after the reload instead of being cut. A reload that changes a {@code wsroute.*} setting starts a new data plane;
 * when it listens on other ports, the running one stays until the new one has bound them, so a port that is taken
 * leaves the old listener (and through it the app's error page naming the port, and the reload that the fix needs).
 * Extension classes are loaded once per dev-mode JVM, so static state here survives the app's restarts.
 */
public final class DevModeDataPlane {
    private static final Logger LOG = Logger.getLogger(DevModeDataPlane.class);

    private static DataPlane dataPlane;
    /** The data plane's meters, moved to each new app's registry. */
    private static RebindableMeters meters;
    /** The running data plane's table holder. */
    private static RouteTableHolder tables;
    private static Map<String, String> startedWith;
    private static volatile Supplier<Pool> defaultBackend = () -> null;
    /**
     * The app's HTTP server as last resolved: Quarkus keeps that server (and its port) across live reloads, but a
     * reloaded app's config may no longer say which port it bound.
     */
    private static volatile Pool lastApp;
    /** Dev mode's scan for changed files, which Quarkus runs on a request to the app's HTTP server. */
    private static volatile HotReplacementContext hotReplacement;
    private static final AtomicBoolean SCANNING = new AtomicBoolean();
    private static volatile long lastScan = System.nanoTime() - TimeUnit.SECONDS.toNanos(1);

    private DevModeDataPlane() {
    }

    static void hotReplacement(HotReplacementContext context) {
        hotReplacement = context;
    }

    /**
     * A request that no route claims and the default backend does not send to the app ({@code target=none} or a fixed
     * address) never reaches the app's HTTP server, whose requests are what make Quarkus look for changed files: look
     * for them here, as Quarkus would, at most once a second and off the I/O thread (the request is answered meanwhile;
     * the next one sees the reloaded app).
     */
    private static void scanForChanges() {
        HotReplacementContext context = hotReplacement;
        long now = System.nanoTime();
        if (context == null || now - lastScan < TimeUnit.SECONDS.toNanos(1) || !SCANNING.compareAndSet(false, true)) {
            return;
        }
        lastScan = now;
        Thread scan = new Thread(() -> {
            try {
                context.doScan(false);
            } catch (Exception e) {
                LOG.debug("dev mode: scan for changed files failed", e);
            } finally {
                SCANNING.set(false);
            }
        }, "wsroute-dev-scan");
        scan.setDaemon(true);
        scan.start();
    }

    /**
     * The table holder of the data plane this start will use: the running one's if its settings are unchanged; else a
     * new one, for a data plane that {@link #startOrKeep} starts. The running one stops here only when the new one must
     * bind one of its ports (or listens on none); else it stops once the new one listens.
     */
    static synchronized RouteTableHolder tables(WsRouteConfig config, Map<String, String> settings) {
        if (dataPlane == null || settings.equals(startedWith)) {
            if (tables == null) {
                tables = new RouteTableHolder();
            }
            return tables;
        }
        if (!config.listen().enabled() || bindsWhereRunning(config.listen())) {
            LOG.info("wsroute settings changed: restarting the data plane");
            stop(); // lastApp stays: the app's HTTP server, kept by Quarkus, is where it was
        } else {
            LOG.info("wsroute settings changed: starting a new data plane; the running one stays until the new one listens");
        }
        return new RouteTableHolder();
    }

    /** Whether the new settings name a port the running data plane holds (0 never does: any free port). */
    private static boolean bindsWhereRunning(WsRouteConfig.Listen listen) {
        return listen.port() != 0 && listen.port() == dataPlane.port()
                || listen.tlsEnabled() && listen.tlsPort() != 0 && listen.tlsPort() == dataPlane.tlsPort();
    }

    /** The running data plane's table holder, kept as it is (this start's settings cannot work and it will fail). */
    static synchronized RouteTableHolder currentTables() {
        return tables != null ? tables : new RouteTableHolder();
    }

    /**
     * Keeps the running data plane and points it at this start's default backend and registry; or, the settings being
     * new, starts one on {@code holder} (from {@link #tables}) and then stops the running one. A listener that cannot
     * bind leaves the running one as it is.
     */
    static synchronized DataPlane startOrKeep(WsRouteConfig config, Map<String, String> settings, Meters appMeters,
            DefaultBackend backend, RouteTableHolder holder) throws InterruptedException {
        // the app's last known address stands in only for the app whose port this start does not know yet: not for
        // target=none (no default backend), nor for a fixed address
        boolean toApp = backend.toApp();
        defaultBackend = () -> {
            Pool pool = backend.get();
            if (!toApp) {
                scanForChanges();
                return pool;
            }
            if (pool != null) {
                lastApp = pool;
                return pool;
            }
            return lastApp;
        };
        if (dataPlane != null && settings.equals(startedWith)) {
            meters.bindTo(appMeters);
            return dataPlane;
        }
        RebindableMeters next = new RebindableMeters(appMeters);
        DataPlane started;
        try {
            started = new DataPlane(config, holder, next, () -> defaultBackend.get()).start();
        } catch (ListenerBindException e) {
            if (dataPlane != null) {
                LOG.infof("the data plane on port %d stays until the new settings can listen", dataPlane.port());
            }
            throw e;
        }
        stop(); // the one it replaces, if any
        dataPlane = started;
        meters = next;
        tables = holder;
        startedWith = settings;
        return started;
    }

    /** When dev mode ends: close the data plane, with the configured drain (0 s by default in dev mode). */
    public static synchronized void shutdown() {
        stop();
        lastApp = null;
        hotReplacement = null;
    }

    /** Closes the data plane (the settings changed, or dev mode ends) and forgets what it was started with. */
    private static void stop() {
        if (dataPlane != null) {
            dataPlane.close();
        }
        dataPlane = null;
        meters = null;
        tables = null;
        startedWith = null;
    }
}

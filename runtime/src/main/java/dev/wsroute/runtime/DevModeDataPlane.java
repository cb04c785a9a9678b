package dev.wsroute.runtime;

import java.util.Map;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.metrics.Meters;
import dev.wsroute.metrics.RebindableMeters;
import dev.wsroute.proxy.DataPlane;
import dev.wsroute.table.Pool;
import dev.wsroute.table.RouteTableHolder;

/**
 * In dev mode the data plane outlives the app's live reloads, as Quarkus's own HTTP server does: the listener stays
 * bound, open WebSockets stay open (no drain wait), and a request that the app holds while it reloads is answered
 * after the reload instead of being cut. A reload that changes a {@code wsroute.*} setting starts a new data plane.
 * Extension classes are loaded once per dev-mode JVM, so static state here survives the app's restarts.
 */
public final class DevModeDataPlane {
    private static final Logger LOG = Logger.getLogger(DevModeDataPlane.class);

    private static DataPlane dataPlane;
    /** The data plane's meters, moved to each new app's registry. */
    private static RebindableMeters meters;
    private static RouteTableHolder tables;
    private static Map<String, String> startedWith;
    private static volatile Supplier<Pool> defaultBackend = () -> null;
    /**
     * The app's HTTP server as last resolved: Quarkus keeps that server (and its port) across live reloads, but a
     * reloaded app's config may no longer say which port it bound.
     */
    private static volatile Pool lastApp;

    private DevModeDataPlane() {
    }

    /** The table holder of the data plane this start will use: the running one's if its settings are unchanged. */
    static synchronized RouteTableHolder tables(Map<String, String> settings) {
        if (dataPlane != null && !settings.equals(startedWith)) {
            LOG.info("wsroute settings changed: restarting the data plane");
            stop(); // lastApp stays: the app's HTTP server, kept by Quarkus, is where it was
        }
        if (tables == null) {
            tables = new RouteTableHolder();
        }
        return tables;
    }

    /** The running data plane's table holder, kept as it is (this start's settings cannot work and it will fail). */
    static synchronized RouteTableHolder currentTables() {
        return tables != null ? tables : new RouteTableHolder();
    }

    /** Starts the data plane, or keeps the running one and points it at this start's default backend and registry. */
    static synchronized DataPlane startOrKeep(WsRouteConfig config, Map<String, String> settings, Meters appMeters,
            Supplier<Pool> backend) throws InterruptedException {
        defaultBackend = () -> {
            Pool app = backend.get();
            if (app != null) {
                lastApp = app;
                return app;
            }
            return lastApp;
        };
        if (dataPlane == null) {
            meters = new RebindableMeters(appMeters);
            dataPlane = new DataPlane(config, tables, meters, () -> defaultBackend.get()).start();
            startedWith = settings;
        } else {
            meters.bindTo(appMeters);
        }
        return dataPlane;
    }

    /** When dev mode ends: close the data plane, with the configured drain (0 s by default in dev mode). */
    public static synchronized void shutdown() {
        stop();
        lastApp = null;
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

package dev.wsroute.runtime;

import java.io.IOException;
import java.util.List;
import java.util.function.Function;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.proxy.DataPlane;
import dev.wsroute.standalone.RoutesFileSource;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;
import dev.wsroute.tls.SecretSource;
import dev.wsroute.tls.StandaloneSecrets;
import dev.wsroute.tls.TlsEngine;
import dev.wsroute.tls.TlsMaterialResolver;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Starts the routes file (if one is configured) and the data plane (unless {@code wsroute.listen.enabled} is
 * false), and stops them in reverse order. Without a routes file the table starts empty: everything goes to the
 * default backend until another route source (the wsroute application's Kubernetes modes) publishes one.
 */
@Singleton
public class WsRouteRuntime {
    private static final Logger LOG = Logger.getLogger(WsRouteRuntime.class);

    private final RouteTableHolder tables = new RouteTableHolder();
    private final WsRouteConfig config;
    private final MeterRegistry registry;
    private DataPlane dataPlane;
    private RoutesFileSource routesFile;
    private volatile boolean stopping;

    WsRouteRuntime(WsRouteConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    /** The one route table holder: route sources publish to it, the data plane reads it. */
    @Produces
    @Singleton
    RouteTableHolder tables() {
        return tables;
    }

    /** Before the application's own start-up observers, so that any table they publish comes after the empty one. */
    void start(@Observes @Priority(Interceptor.Priority.LIBRARY_BEFORE) StartupEvent event) throws Exception {
        if (config.routesFile().isPresent()) {
            startRoutesFile();
        } else {
            tables.publish(RouteTable.empty());
        }
        if (config.listen().enabled()) {
            dataPlane = new DataPlane(config, tables, registry, new DefaultBackend(config)).start();
        }
    }

    private void startRoutesFile() throws IOException {
        LOG.info(TlsEngine.describe());
        TlsMaterialResolver base = new TlsMaterialResolver(SecretSource.EMPTY, config.tls().defaultSecret(),
                config.routesFile().get().toAbsolutePath().getParent());
        Function<List<JsonNode>, TlsResolver> tls = docs -> {
            StandaloneSecrets secrets = StandaloneSecrets.from(docs);
            secrets.warnings().forEach(LOG::warn);
            return base.withSecrets(secrets);
        };
        routesFile = new RoutesFileSource(config.routesFile().get(), tables, tls).start();
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        if (routesFile != null) {
            routesFile.close();
        }
        if (dataPlane != null) {
            dataPlane.close();
        }
    }

    /** The data plane, or null in operator mode. */
    public DataPlane dataPlane() {
        return dataPlane;
    }

    public RouteTableHolder routeTables() {
        return tables;
    }

    /** The routes file's current problem, or null. */
    String routesFileError() {
        return routesFile == null ? null : routesFile.lastError();
    }

    boolean stopping() {
        return stopping;
    }

    WsRouteConfig config() {
        return config;
    }
}

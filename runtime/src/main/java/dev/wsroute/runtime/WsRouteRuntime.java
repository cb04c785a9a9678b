package dev.wsroute.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.proxy.DataPlane;
import dev.wsroute.proxy.ListenerBindException;
import dev.wsroute.proxy.ProxySettings;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.standalone.RoutesFileSource;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.table.TlsResolver;
import dev.wsroute.tls.SecretSource;
import dev.wsroute.tls.SelfSignedCertificate;
import dev.wsroute.tls.StandaloneSecrets;
import dev.wsroute.tls.TlsEngine;
import dev.wsroute.tls.TlsMaterialResolver;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * Starts what the mode asks for: the data plane (all modes but operator) and, in standalone mode, the routes
 * file (or, with none configured, the built-in demo routes and echo backend). Stops them in reverse order.
 */
@Singleton
public class WsRouteRuntime {
    private static final Logger LOG = Logger.getLogger(WsRouteRuntime.class);
    static final String DEMO_ROUTES = "/dev/wsroute/demo/routes.yaml";

    private final RouteTableHolder tables = new RouteTableHolder();
    private final WsRouteConfig config;
    private final MeterRegistry registry;
    private final Vertx vertx;
    private DataPlane dataPlane;
    private RoutesFileSource routesFile;
    private DemoBackend demo;
    private volatile boolean stopping;

    WsRouteRuntime(WsRouteConfig config, MeterRegistry registry, Vertx vertx) {
        this.config = config;
        this.registry = registry;
        this.vertx = vertx;
    }

    /** The one route table holder: route sources publish to it, the data plane reads it. */
    @Produces
    @Singleton
    RouteTableHolder tables() {
        return tables;
    }

    void start(@Observes StartupEvent event) throws Exception {
        LOG.infof("wsroute starting in %s mode", config.mode());
        if (config.mode() == WsRouteConfig.Mode.standalone) {
            startStandaloneRoutes();
        }
        if (config.mode().hasDataPlane()) {
            try {
                dataPlane = new DataPlane(ProxySettings.from(config), tables, registry, new DefaultBackend(config)).start();
            } catch (ListenerBindException e) { // one line naming the property, not a stack trace
                throw ListenerPorts.explain(e);
            }
        }
    }

    private void startStandaloneRoutes() throws IOException {
        LOG.info(TlsEngine.describe());
        TlsMaterialResolver base = new TlsMaterialResolver(SecretSource.EMPTY, config.tls().defaultSecret(),
                config.routesFile().map(p -> p.toAbsolutePath().getParent()).orElse(null));
        Function<List<JsonNode>, TlsResolver> tls = docs -> {
            StandaloneSecrets secrets = StandaloneSecrets.from(docs);
            secrets.warnings().forEach(LOG::warn);
            return base.withSecrets(secrets);
        };
        if (config.routesFile().isPresent()) {
            routesFile = new RoutesFileSource(config.routesFile().get(), tables, tls).start();
            return;
        }
        demo = new DemoBackend(vertx, config.demo().echoPort()).start();
        RoutesFileSource.apply(RoutesDocuments.parse("built-in demo routes", demoRoutes(demo.port())), tables, tls, 1);
        LOG.infof("no wsroute.routes-file given: serving the built-in demo routes (ws://localhost:%d/echo, http://localhost:%d/)",
                config.listen().port(), config.listen().port());
        if (config.listen().tlsEnabled()) {
            LOG.infof("demo: TLS on port %d with a self-signed certificate generated at startup for localhost "
                    + "(clients must accept it, e.g. curl -k); a routes file brings your own certificates", config.listen().tlsPort());
        }
    }

    /** The demo routes for an echo backend on this port, with a self-signed certificate made now for its TLS listener. */
    static byte[] demoRoutes(int echoPort) throws IOException {
        try (InputStream in = WsRouteRuntime.class.getResourceAsStream(DEMO_ROUTES)) {
            return (new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("${ECHO_PORT}", Integer.toString(echoPort))
                    + "---\n" + SelfSignedCertificate.secretYaml("default", "demo-tls")) // the demo route's tls.secretName
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        if (routesFile != null) {
            routesFile.close();
        }
        if (dataPlane != null) {
            dataPlane.close();
        }
        if (demo != null) {
            demo.close();
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
    public String routesFileError() {
        return routesFile == null ? null : routesFile.lastError();
    }

    boolean stopping() {
        return stopping;
    }

    WsRouteConfig config() {
        return config;
    }
}

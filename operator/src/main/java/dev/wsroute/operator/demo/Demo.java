package dev.wsroute.operator.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.operator.config.WsRouteAppConfig;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.standalone.RoutesFileSource;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * The built-in demo of the wsroute application: in standalone mode with no routes file, an echo backend on
 * loopback and routes to it, so {@code java -jar} with no configuration shows wsroute working end to end.
 * An app embedding the extension never gets it.
 */
@ApplicationScoped
public class Demo {
    private static final Logger LOG = Logger.getLogger(Demo.class);
    static final String ROUTES = "/dev/wsroute/demo/routes.yaml";

    @Inject
    WsRouteAppConfig app;
    @Inject
    WsRouteConfig config;
    @Inject
    RouteTableHolder tables;
    @Inject
    Vertx vertx;

    private DemoBackend backend;

    void start(@Observes StartupEvent event) throws IOException {
        if (app.mode() != WsRouteAppConfig.Mode.standalone || config.routesFile().isPresent()) {
            return;
        }
        backend = new DemoBackend(vertx, app.demo().echoPort()).start();
        try (InputStream in = Demo.class.getResourceAsStream(ROUTES)) {
            byte[] yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("${ECHO_PORT}", Integer.toString(backend.port())).getBytes(StandardCharsets.UTF_8);
            RoutesFileSource.apply(RoutesDocuments.parse("built-in demo routes", yaml), tables, docs -> TlsResolver.NONE, 1);
        }
        LOG.infof("no wsroute.routes-file given: serving the built-in demo routes (ws://localhost:%d/echo, http://localhost:%d/)",
                config.listen().port(), config.listen().port());
    }

    void stop(@Observes ShutdownEvent event) {
        if (backend != null) {
            backend.close();
        }
    }
}

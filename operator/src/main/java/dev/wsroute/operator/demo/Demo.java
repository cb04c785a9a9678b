package dev.wsroute.operator.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.operator.config.WsRouteAppConfig;
import dev.wsroute.runtime.WsRouteRuntime;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.standalone.RoutesFileSource;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.SecretSource;
import dev.wsroute.tls.SelfSignedCertificate;
import dev.wsroute.tls.StandaloneSecrets;
import dev.wsroute.tls.TlsMaterialResolver;
import dev.wsroute.tls.TlsResolver;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

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
    WsRouteRuntime runtime;

    private DemoBackend backend;

    /** Before the data plane binds: the first request to reach the port is routed, not a 404 of the empty table. */
    void start(@Observes @Priority(WsRouteRuntime.BEFORE_LISTENING) StartupEvent event) throws IOException {
        if (app.mode() != WsRouteAppConfig.Mode.standalone) {
            return;
        }
        if (config.routesFile().isPresent()) {
            LOG.infof("routes from %s (the built-in demo routes and echo backend are off)", config.routesFile().get());
            return;
        }
        backend = new DemoBackend(app.demo().echoPort()).start();
        RoutesFileSource.apply(RoutesDocuments.parse("built-in demo routes", routes(backend.port())), tables, Demo::tls, 1);
    }

    /** Where to point a client, once the listeners are bound. */
    void announce(@Observes StartupEvent event) {
        if (backend == null || !config.listen().enabled()) {
            return;
        }
        int port = runtime.dataPlane().port(); // as bound: the configured port may be 0
        LOG.infof("no wsroute.routes-file given: serving the built-in demo routes (ws://localhost:%d/echo, http://localhost:%d/)",
                port, port);
        if (config.listen().tlsEnabled()) {
            LOG.infof("demo: TLS on port %d with a self-signed certificate generated at startup for localhost "
                    + "(clients must accept it, e.g. curl -k); a routes file brings your own certificates", runtime.dataPlane().tlsPort());
        }
    }

    /** The demo routes for an echo backend on this port, with a self-signed certificate made now for the TLS listener. */
    static byte[] routes(int echoPort) throws IOException {
        try (InputStream in = Demo.class.getResourceAsStream(ROUTES)) {
            return (new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("${ECHO_PORT}", Integer.toString(echoPort))
                    // the demo route's tls.secretName
                    + "---\n" + SelfSignedCertificate.forNames("wsroute demo", "localhost").secretYaml("default", "demo-tls"))
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The demo's certificate comes from its own Secret document, as a routes file's would. */
    static TlsResolver tls(List<JsonNode> secretDocuments) {
        return new TlsMaterialResolver(SecretSource.EMPTY, Optional.empty(), null).withSecrets(StandaloneSecrets.from(secretDocuments));
    }

    /**
     * After the data plane has drained (WsRouteRuntime's observer, default priority): the demo's open WebSockets then get
     * the proxy's Close 1001 on Ctrl-C, not the 1000 of an echo backend that stopped first.
     */
    void stop(@Observes @Priority(Interceptor.Priority.PLATFORM_AFTER) ShutdownEvent event) {
        if (backend != null) {
            backend.close();
        }
    }
}

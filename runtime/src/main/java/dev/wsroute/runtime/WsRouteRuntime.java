package dev.wsroute.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.metrics.Meters;
import dev.wsroute.proxy.DataPlane;
import dev.wsroute.proxy.ListenerBindException;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.standalone.RoutesFileSource;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;
import dev.wsroute.tls.SecretSource;
import dev.wsroute.tls.StandaloneSecrets;
import dev.wsroute.tls.TlsEngine;
import dev.wsroute.tls.TlsMaterialResolver;
import dev.wsroute.warmup.WarmUp;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.value.registry.ValueRegistry;
import io.quarkus.value.registry.ValueRegistry.RuntimeKey;

/**
 * Starts the routes file (if one is configured) and the data plane (unless {@code wsroute.listen.enabled} is
 * false), and stops them in reverse order. Without a routes file the table starts empty: everything goes to the
 * default backend (the app) until another route source (the wsroute application's Kubernetes modes) publishes one.
 * In dev mode the data plane lives across live reloads ({@link DevModeDataPlane}).
 */
@Singleton
public class WsRouteRuntime {
    private static final Logger LOG = Logger.getLogger(WsRouteRuntime.class);
    /**
     * The start-up priority of a route source whose first table must be in force when the listeners bind (the wsroute
     * application's built-in demo): after the routes file's or empty table ({@link #start}), before {@link #listen}.
     */
    public static final int BEFORE_LISTENING = Interceptor.Priority.LIBRARY_BEFORE + 1;

    private final WsRouteConfig config;
    private final Meters meters;
    private final ValueRegistry values;
    private final Config quarkusConfig = ConfigProvider.getConfig();
    private final boolean devMode = LaunchMode.current() == LaunchMode.DEVELOPMENT;
    private final Map<String, String> settings = wsrouteSettings(quarkusConfig);
    private final RouteTableHolder tables;
    private final Optional<ConfigurationException> invalid;
    private DataPlane dataPlane;
    /** Null where the data plane does not listen, and in dev mode (whose data plane outlives reloads). */
    private volatile WarmUp warmUp;
    private RoutesFileSource routesFile;
    private volatile String classpathRoutesError;
    private volatile boolean stopping;
    private volatile boolean leaving;

    /** {@code meters}: the app's Micrometer registry, if it has Micrometer; else the meters are not kept. */
    WsRouteRuntime(WsRouteConfig config, Instance<Meters> meters, ValueRegistry values) {
        this.config = config;
        this.meters = meters.isResolvable() ? meters.get() : Meters.NONE;
        this.values = values;
        this.invalid = SettingsCheck.check(config);
        // dev mode: settings that cannot work keep the running data plane, which then shows the app's error page
        this.tables = !devMode ? new RouteTableHolder()
                : invalid.isPresent() ? DevModeDataPlane.currentTables() : DevModeDataPlane.tables(config, settings);
    }

    /** The one route table holder: route sources publish to it, the data plane reads it. */
    @Produces
    @Singleton
    RouteTableHolder tables() {
        return tables;
    }

    /** Before the application's own start-up observers, so that any table they publish comes after the empty one. */
    void start(@Observes @Priority(Interceptor.Priority.LIBRARY_BEFORE) StartupEvent event) throws Exception {
        if (invalid.isPresent()) { // one line naming the properties, not a listener that half works
            throw invalid.get();
        }
        if (config.routesFile().isPresent()) {
            startRoutes(config.routesFile().get());
        } else {
            tables.publish(RouteTable.empty());
        }
    }

    /** Once the {@link #BEFORE_LISTENING} sources have published; still before the application's own observers. */
    void listen(@Observes @Priority(BEFORE_LISTENING + 1) StartupEvent event) throws Exception {
        if (!config.listen().enabled()) {
            return;
        }
        Optional<String> clash = PortClash.find(config, quarkusConfig, LaunchMode.current());
        if (clash.isPresent()) {
            throw new ConfigurationException(clash.get());
        }
        DefaultBackend backend = new DefaultBackend(config, quarkusConfig);
        LOG.info(TlsEngine.describe()); // whatever the routes come from: the demo, a file, the cluster
        try {
            dataPlane = devMode ? DevModeDataPlane.startOrKeep(config, settings, meters, backend, tables)
                    : new DataPlane(config, tables, meters, backend).start();
        } catch (ListenerBindException e) { // one line naming the property, not a stack trace
            throw ListenerPorts.explain(e);
        }
        publishPorts();
        if (!devMode) { // after the listeners: they accept from the start; readiness waits for it
            warmUp = WarmUp.start(config, meters);
        }
        if (!quarkusConfig.getOptionalValue("quarkus.management.enabled", Boolean.class).orElse(false)
                && !"none".equals(config.defaultBackend().target().trim())) {
            LOG.warn("quarkus.management.enabled is false: /q/health, /q/metrics and the rest of /q/ are served publicly "
                    + "through the wsroute listener; set quarkus.management.enabled=true to keep them on the management port");
        }
    }

    /** Makes the bound ports readable as config (wsroute.listen.test-port in tests), as Quarkus does for its own ports. */
    private void publishPorts() {
        boolean test = LaunchMode.current() == LaunchMode.TEST;
        values.register(RuntimeKey.intKey(test ? "wsroute.listen.test-port" : "wsroute.listen.port"), dataPlane.port());
        if (dataPlane.tlsPort() > 0) {
            values.register(RuntimeKey.intKey(test ? "wsroute.listen.test-tls-port" : "wsroute.listen.tls-port"), dataPlane.tlsPort());
        }
        LOG.info("wsroute listening on http://" + config.listen().host() + ":" + dataPlane.port()
                + (dataPlane.tlsPort() > 0 ? " and https://" + config.listen().host() + ":" + dataPlane.tlsPort() : ""));
    }

    /** A file (watched and reloaded), or else a classpath resource of that name (read once; dev mode reloads the app). */
    private void startRoutes(Path path) throws IOException {
        URL resource = Files.exists(path) ? null
                : Thread.currentThread().getContextClassLoader().getResource(path.toString().replace('\\', '/').replaceFirst("^/", ""));
        boolean onClasspath = resource != null;
        TlsMaterialResolver base = new TlsMaterialResolver(SecretSource.EMPTY, config.tls().defaultSecret(),
                onClasspath ? null : path.toAbsolutePath().getParent());
        Function<List<JsonNode>, TlsResolver> tls = docs -> {
            StandaloneSecrets secrets = StandaloneSecrets.from(docs);
            secrets.warnings().forEach(LOG::warn);
            return base.withSecrets(secrets);
        };
        if (!onClasspath) {
            routesFile = new RoutesFileSource(path, tables, tls).start();
            return;
        }
        try (InputStream in = resource.openStream()) {
            classpathRoutesError = RoutesFileSource.apply(RoutesDocuments.parse("classpath:" + path, in.readAllBytes()), tables, tls, 1);
        }
    }

    /** Every wsroute.* setting as configured: in dev mode, a reload that changes one starts a new data plane. */
    private static Map<String, String> wsrouteSettings(Config config) {
        Map<String, String> out = new TreeMap<>();
        for (String name : config.getPropertyNames()) {
            if (name.startsWith("wsroute.")) {
                config.getOptionalValue(name, String.class).ifPresent(v -> out.put(name, v));
            }
        }
        return out;
    }

    /**
     * Quarkus's pre-shutdown (SIGTERM; before {@code quarkus.shutdown.delay}, if the app enabled one): readiness goes
     * DOWN at once, while the listeners go on serving until {@link #stop}, and HTTP answers say {@code Connection: close}.
     * Not in dev mode, whose data plane outlives the app's restarts.
     */
    void leave() {
        if (devMode) {
            return;
        }
        leaving = true;
        if (dataPlane != null) {
            dataPlane.leave();
        }
    }

    void stop(@Observes ShutdownEvent event) {
        stopping = true;
        if (warmUp != null) {
            warmUp.close();
        }
        if (routesFile != null) {
            routesFile.close();
        }
        if (dataPlane != null && !devMode) { // dev mode: the data plane outlives the reload (DevModeDataPlane)
            dataPlane.close();
        }
    }

    /** The data plane, or null in operator mode. */
    public DataPlane dataPlane() {
        return dataPlane;
    }

    /** The start-up warm-up, or null where the data plane does not listen (or in dev mode). */
    WarmUp warmUp() {
        return warmUp;
    }

    /** Where the data plane's meters go: the app's Micrometer registry, or {@link Meters#NONE}. */
    public Meters meters() {
        return meters;
    }

    public RouteTableHolder routeTables() {
        return tables;
    }

    /** The routes file's current problem, or null. */
    public String routesFileError() {
        return routesFile == null ? classpathRoutesError : routesFile.lastError();
    }

    boolean stopping() {
        return stopping || leaving;
    }

    WsRouteConfig config() {
        return config;
    }
}

package dev.wsroute.testing;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import dev.wsroute.metrics.micrometer.MicrometerMeters;
import dev.wsroute.proxy.DataPlane;
import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.table.EndpointSource;
import dev.wsroute.table.Pool;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.tls.SecretSource;
import dev.wsroute.tls.StandaloneSecrets;
import dev.wsroute.tls.TlsContexts;
import dev.wsroute.tls.TlsMaterialResolver;
import dev.wsroute.tls.TlsProblem;
import dev.wsroute.tls.TlsResolver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Our real data plane on 127.0.0.1:0, fed with routes-file YAML, as standalone mode feeds it. */
public final class ProxyHarness implements AutoCloseable {
    public final RouteTableHolder tables = new RouteTableHolder();
    public final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    public final DataPlane dataPlane;
    public final List<TlsProblem> problems = new ArrayList<>();
    private long version;

    public ProxyHarness(WsRouteConfig config) throws InterruptedException {
        this(config, () -> null);
    }

    public ProxyHarness(WsRouteConfig config, Supplier<Pool> defaultBackend) throws InterruptedException {
        this(config, defaultBackend, new io.micrometer.core.instrument.config.MeterFilter[0]);
    }

    /** With the registry's filters set first, as Quarkus sets an app's {@code MeterFilter} beans (common tags). */
    public ProxyHarness(WsRouteConfig config, Supplier<Pool> defaultBackend, io.micrometer.core.instrument.config.MeterFilter... filters)
            throws InterruptedException {
        for (io.micrometer.core.instrument.config.MeterFilter f : filters) {
            metrics.config().meterFilter(f);
        }
        this.dataPlane = new DataPlane(config, tables, new MicrometerMeters(metrics), defaultBackend).start();
    }

    /** Publishes a routes file's content as the new table; fails the test if the YAML is invalid. */
    public void routes(String yaml) {
        routes(yaml, TlsResolver.NONE);
    }

    public void routes(String yaml, TlsResolver tls) {
        routes(yaml, tls, EndpointSource.STATIC);
    }

    /**
     * As standalone mode reads a routes file: its {@code kubernetes.io/tls} Secret documents serve the certificates its
     * routes' {@code tls.secretName} name.
     */
    public void routesWithSecrets(String yaml) {
        routesWithSecrets(yaml, TlsContexts.automatic());
    }

    /** As {@link #routesWithSecrets(String)}, with contexts of this TLS engine. */
    public void routesWithSecrets(String yaml, TlsContexts contexts) {
        routes(yaml, new TlsMaterialResolver(SecretSource.EMPTY, Optional.empty(), null, contexts, Clock.systemUTC())
                .withSecrets(StandaloneSecrets.from(RoutesDocuments.parse("routes.yaml", yaml.getBytes(StandardCharsets.UTF_8)).secrets())));
    }

    /** With another endpoint source, e.g. one that resolves nothing (no ready endpoint). */
    public void routes(String yaml, TlsResolver tls, EndpointSource endpoints) {
        RoutesDocuments.Parsed parsed = RoutesDocuments.parse("test", yaml.getBytes(StandardCharsets.UTF_8));
        if (!parsed.valid()) {
            throw new IllegalArgumentException(String.join("\n", parsed.errors()));
        }
        tables.publish(new TableBuilder(endpoints, tls).build(++version, parsed.routes(), problems::add));
    }

    /** Open client connections as {@code wsroute_client_connections} counts them. */
    public double clientConnections() {
        return metrics.get("wsroute.client.connections").gauge().value();
    }

    public int port() {
        return dataPlane.port();
    }

    public String ws(String path) {
        return "ws://127.0.0.1:" + port() + path;
    }

    @Override
    public void close() {
        dataPlane.close();
    }
}

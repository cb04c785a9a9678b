package dev.wsroute.warmup;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

import org.jboss.logging.Logger;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.config.WsRouteConfigs;
import dev.wsroute.metrics.Meters;
import dev.wsroute.proxy.DataPlane;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.table.EndpointSource;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.tls.SecretSource;
import dev.wsroute.tls.SelfSignedCertificate;
import dev.wsroute.tls.StandaloneSecrets;
import dev.wsroute.tls.TlsMaterialResolver;
import dev.wsroute.tls.TlsResolver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Runs {@code wsroute.warm-up.sessions} WebSocket sessions, {@code wsroute.warm-up.tls-sessions} wss:// ones (where the
 * real TLS listener is on) and {@code wsroute.warm-up.requests} HTTP requests through a private data plane (the same
 * code as the real one, on 127.0.0.1, with meters of the same kind in a registry nothing reads, an access log that
 * formats its lines and drops them, a self-signed certificate of its own) to echo servers of its own, on a thread of its
 * own, so that the JIT compilers have compiled the session, TLS and request paths before the process reports ready.
 * Nothing of it shows: no route, meter, endpoint, log line or connection count of the real data plane. Whatever
 * happens, it ends: done, failed (a WARN), out of time, or stopped by shutdown.
 */
public final class WarmUp implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(WarmUp.class);
    /** Far beyond what the default counts take (seconds); a warm-up that takes longer is given up, ready without it. */
    static final Duration MAX_TIME = Duration.ofMinutes(2);
    private static final String NAMESPACE = "wsroute";
    private static final String SECRET = "warm-up-tls";
    /** The name its clients ask for (Host, SNI) and its route serves, as real clients name a routed host. */
    static final String HOST = "warm-up.localhost";

    private final WsRouteConfig config;
    private final Meters meters;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final Thread thread;
    private volatile boolean done;
    private volatile String summary;

    private WarmUp(WsRouteConfig config, Meters meters) {
        this.config = config;
        this.meters = meters;
        this.thread = new Thread(this::run, "wsroute-warm-up");
        this.thread.setDaemon(true);
    }

    /** Starts the warm-up that {@code config} asks for, on its own thread; {@link #done} at once where it asks for none. */
    public static WarmUp start(WsRouteConfig config, Meters meters) {
        WarmUp w = new WarmUp(config, meters);
        if (config.warmUp().sessions() > 0 || config.warmUp().requests() > 0 || tlsSessions(config) > 0) {
            w.thread.start();
        } else {
            w.done = true;
        }
        return w;
    }

    /** Whether it has ended (readiness waits for this). */
    public boolean done() {
        return done;
    }

    /** What it did, once done (for the readiness check's data); null before, or where none was asked for. */
    public String summary() {
        return summary;
    }

    /** Shutdown: stops a warm-up under way and waits briefly for its private data plane to close. */
    @Override
    public void close() {
        stopped.complete(null);
        if (thread.isAlive()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        long start = System.nanoTime();
        // the clients' and the echo server's: stopped first, so that the private data plane has nothing left to drain
        EventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("wsroute-warm-up-client", true));
        DataPlane plane = null;
        try {
            boolean tls = tlsSessions(config) > 0;
            SelfSignedCertificate certificate = tls ? SelfSignedCertificate.forNames("wsroute warm-up", HOST) : null;
            // two endpoints, as most pools have: the balancer's choice runs as it does for them
            String documents = route(new WarmUpEcho(group).endpoint(), new WarmUpEcho(group).endpoint(), tls)
                    + (tls ? "---\n" + certificate.secretYaml(NAMESPACE, SECRET) : "");
            RoutesDocuments.Parsed parsed = RoutesDocuments.parse("warm-up", documents.getBytes(StandardCharsets.UTF_8));
            TlsResolver certificates = tls
                    ? new TlsMaterialResolver(SecretSource.EMPTY, Optional.empty(), null).withSecrets(StandaloneSecrets.from(parsed.secrets()))
                    : TlsResolver.NONE;
            RouteTableHolder tables = new RouteTableHolder();
            tables.publish(new TableBuilder(EndpointSource.STATIC, certificates).build(1, parsed.routes(), p -> {
            }));
            plane = DataPlane.quiet(privatePlane(config, tls), tables, meters.detached()).start();
            WarmUpClient client = new WarmUpClient(group, new InetSocketAddress(InetAddress.getLoopbackAddress(), plane.port()),
                    tls ? new WarmUpClient.Tls(plane.tlsPort(), certificate.certificate()) : null);
            CompletableFuture<WarmUpClient.Counts> run = client.run(config.warmUp().sessions(), tlsSessions(config),
                    config.warmUp().requests());
            stopped.thenRun(() -> run.complete(null)); // its clients see the run over and start nothing more
            report(run.get(MAX_TIME.toMillis(), TimeUnit.MILLISECONDS), System.nanoTime() - start);
        } catch (TimeoutException e) {
            LOG.warnf("the warm-up did not end within %ds: ready without it", MAX_TIME.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | SSLException | RuntimeException e) {
            LOG.warnf("the warm-up failed (%s): ready without it", e.getCause() != null ? e.getCause() : e);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            if (plane != null) {
                plane.close();
            }
            done = true;
        }
    }

    /** The wss:// sessions asked for where there is a TLS listener to warm; none where there is not. */
    private static int tlsSessions(WsRouteConfig config) {
        return config.listen().tlsEnabled() ? config.warmUp().tlsSessions() : 0;
    }

    private void report(WarmUpClient.Counts c, long nanos) {
        if (c == null) {
            return; // stopped: the process is going away
        }
        summary = String.format("%d WebSocket sessions%s and %d HTTP requests in %.1f s", c.sessions(),
                c.tlsSessions() > 0 ? ", " + c.tlsSessions() + " wss:// sessions" : "", c.requests(), nanos / 1e9);
        if (c.failures() > 0) {
            LOG.warnf("warm-up: %s, %d failed (first: %s)%s", summary, c.failures(), c.firstFailure(),
                    c.failures() >= WarmUpClient.MAX_FAILURES ? ": given up, ready without the rest" : "");
        } else {
            LOG.infof("warm-up: %s through a private data plane (wsroute.warm-up.*)", summary);
        }
    }

    /** The one route, for {@link #HOST}, to endpoints {@code a} and {@code b}; with TLS, serving the warm-up's certificate. */
    private static String route(String a, String b, boolean tls) {
        return """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: warm-up, namespace: %3$s}
                spec:
                  hosts: ["%5$s"]
                  %4$s
                  rules:
                    - match: {path: {type: Prefix, value: /}}
                      backends: [{endpoints: ["%1$s", "%2$s"]}]
                  http:
                    backends: [{endpoints: ["%1$s", "%2$s"]}]
                """.formatted(a, b, NAMESPACE, tls ? "tls: {secretName: " + SECRET + "}" : "", HOST);
    }

    /**
     * The private data plane's settings: the defaults, on 127.0.0.1 at any free port (and a TLS one where {@code tls}),
     * with the real one's transport and I/O thread count (the same channel classes get compiled), without drain period;
     * its access log is on, as the real one's is by default, so that the code compiled is the code that logs (it writes nothing:
     * {@link DataPlane#quiet}). None of the real one's listener settings: a PROXY protocol header required there would
     * refuse the warm-up's clients.
     */
    static WsRouteConfig privatePlane(WsRouteConfig real, boolean tls) {
        Map<String, String> values = Map.of(
                "wsroute.listen.host", "127.0.0.1",
                "wsroute.listen.port", "0",
                "wsroute.listen.tls-enabled", String.valueOf(tls),
                "wsroute.listen.tls-port", "0",
                "wsroute.drain.period", "0s",
                "wsroute.default-backend.target", "none",
                "wsroute.limits.max-connections", "1024",
                "wsroute.transport", real.transport(),
                "wsroute.io-threads", String.valueOf(real.ioThreadCount()));
        return WsRouteConfigs.of(values, "wsroute warm-up");
    }
}

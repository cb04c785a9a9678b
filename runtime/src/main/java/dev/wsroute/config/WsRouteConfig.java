package dev.wsroute.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The extension's run-time configuration, under {@code wsroute.}: what any app embedding the data plane needs.
 * Each default is written here once; the data plane reads this interface (tests build it with
 * SmallRye Config and these same defaults). The wsroute application's own settings (mode, Kubernetes, demo)
 * live with the application.
 */
@ConfigMapping(prefix = "wsroute")
@ConfigRoot(phase = ConfigPhase.RUN_TIME)
public interface WsRouteConfig {

    /**
     * YAML file of WebSocketRoute (and kubernetes.io/tls Secret) documents, reloaded when it changes; if no such
     * file exists, a classpath resource of that name (e.g. {@code routes.yaml} in {@code src/main/resources}).
     */
    Optional<Path> routesFile();

    /** The listeners of the data plane. */
    Listen listen();

    /** Limits that apply before any route is known. */
    Limits limits();

    /** Draining of open connections on route removal, endpoint removal and shutdown. */
    Drain drain();

    /** Connections to upstream endpoints. */
    Upstream upstream();

    /** Where requests that no route claims go. */
    DefaultBackend defaultBackend();

    /** TLS termination. */
    Tls tls();

    /** Access logging. */
    AccessLog accessLog();

    /** Traffic through a private copy of the data plane at start-up, before readiness, so the first clients meet compiled code. */
    WarmUp warmUp();

    /** Number of I/O threads of the data plane; default: the number of processors. */
    OptionalInt ioThreads();

    /**
     * Socket transport of the data plane: {@code auto} (epoll on Linux, NIO elsewhere), {@code epoll},
     * {@code io_uring} (experimental: can stall handshakes under load; where the kernel allows it, otherwise epoll, with
     * a warning) or {@code nio}.
     */
    @WithDefault("auto")
    String transport();

    /** The I/O threads to start. */
    default int ioThreadCount() {
        return ioThreads().orElseGet(() -> Runtime.getRuntime().availableProcessors());
    }

    interface Listen {
        /** Whether this process serves traffic at all (the listeners and the data plane behind them). */
        @WithDefault("true")
        boolean enabled();

        /** Interface the listeners bind to. */
        @WithDefault("0.0.0.0")
        String host();

        /** Port for plain HTTP and ws://: the app's public port (its own HTTP server moves to loopback). */
        @WithDefault("8080")
        int port();

        /** Port for HTTPS and wss://; certificates are chosen by SNI. */
        @WithDefault("8443")
        int tlsPort();

        /** Port for plain HTTP and ws:// in tests; 0: any free port, readable as this property once bound. */
        @WithDefault("0")
        int testPort();

        /** Port for HTTPS and wss:// in tests; 0: any free port, readable as this property once bound. */
        @WithDefault("0")
        int testTlsPort();

        /** The plain port to bind in this launch mode. */
        default int portToBind() {
            return LaunchMode.current() == LaunchMode.TEST ? testPort() : port();
        }

        /** The TLS port to bind in this launch mode. */
        default int tlsPortToBind() {
            return LaunchMode.current() == LaunchMode.TEST ? testTlsPort() : tlsPort();
        }

        /** Whether the TLS listener is started (it is only useful once a certificate is configured). */
        @WithDefault("true")
        boolean tlsEnabled();

        /**
         * Whether every connection to both listeners starts with a PROXY protocol header (v1 or v2, as an L4 load
         * balancer sends it: HAProxy's {@code send-proxy}, AWS NLB, ingress-nginx's {@code use-proxy-protocol}): its
         * source address is then the client's address everywhere (rate limit per client, access log, X-Forwarded-For,
         * Forwarded). A connection without a valid header within {@code wsroute.limits.request-header-timeout} is
         * closed and counted in {@code wsroute_proxy_protocol_errors_total}. Off: nothing is read before HTTP or TLS.
         */
        @WithDefault("false")
        boolean proxyProtocol();

        /**
         * The peers (CIDRs, e.g. {@code 10.0.0.0/8}; a plain address is one host) allowed to send the PROXY header; a
         * connection from any other peer is closed and counted. Absent: any peer, as HAProxy's {@code accept-proxy}
         * (then anyone who can reach the port directly can name any client address: let only the balancer reach it).
         */
        Optional<List<String>> proxyProtocolFrom();

        /**
         * With {@code proxy-protocol} on: a connection whose first bytes are no PROXY header, or whose peer is not in
         * {@code proxy-protocol-from}, is served as a direct client (its TCP peer the client) instead of closed, and
         * counted in {@code wsroute_proxy_protocol_absent_total}. For a move to or from a balancer that sends the
         * header, while some clients still arrive without it (Envoy's {@code allow_requests_without_proxy_protocol}).
         */
        @WithDefault("false")
        boolean proxyProtocolOptional();
    }

    interface Limits {
        /** Time a client has to send a complete request head (slowloris guard): 408 after it. */
        @WithDefault("10s")
        Duration requestHeaderTimeout();

        /** Largest request head (request line plus headers): 431 above it. */
        @WithDefault("16K")
        MemorySize maxHeaderSize();

        /**
         * Largest plain HTTP request body (its Content-Length, or the data of its chunks): 413 above it, and the
         * connection is closed. Bodies are streamed, never held, so the limit guards the upstreams, not the proxy.
         */
        @WithDefault("100M")
        MemorySize maxRequestBodySize();

        /**
         * Longest time a client may go without sending a byte of a plain HTTP request body that is not complete yet
         * (nginx's {@code client_body_timeout}): 408 after it, or both connections closed if the answer has begun. Time
         * the proxy holds the client back does not count: while it does not read it (the upstream takes the body slower
         * than the client sends it), and while the client may wait for the upstream's {@code 100 Continue}.
         */
        @WithDefault("60s")
        Duration requestBodyTimeout();

        /**
         * Plain HTTP, an answer that ends the client connection while the client may still be sending its request body
         * (an upstream's early 413, a 503 to an upload) or requests pipelined behind the answered one: the longest the
         * proxy then reads and drops what the client still sends before it closes (nginx's {@code lingering_time}), so
         * that the client reads the answer instead of a reset. At most 4 MiB is dropped.
         */
        @WithDefault("30s")
        Duration lingeringTime();

        /** The longest the proxy waits for the client's next bytes while it drops them ({@link #lingeringTime()}; nginx's {@code lingering_timeout}). */
        @WithDefault("5s")
        Duration lingeringTimeout();

        /** Idle time after which a keep-alive HTTP client connection is closed. */
        @WithDefault("60s")
        Duration httpIdleTimeout();

        /** Most client connections the data plane holds at once, across listeners; new ones are refused above it. */
        @WithDefault("9000")
        int maxConnections();

        /** {@link #maxHeaderSize()} in bytes. */
        default int maxHeaderBytes() {
            return (int) Math.min(Integer.MAX_VALUE, maxHeaderSize().asLongValue());
        }
    }

    interface Drain {
        /** How long open WebSockets may go on after their route or endpoint is gone, or the proxy stops, before Close 1001. */
        @WithDefault("15s")
        Duration period();

        /**
         * Spreads the Close 1001s of draining WebSockets over the last this much of their drain period, each at its
         * own uniformly random moment, so that the clients of a leaving pod do not all reconnect in the same
         * millisecond (HAProxy's {@code close-spread-time}); never after the period's end. 0: all at the period's end.
         * Longer than the period: spread over the whole period.
         */
        @WithDefault("0s")
        Duration closeSpread();
    }

    interface Upstream {
        /** Time to open a TCP connection to one endpoint before the next one is tried. */
        @WithDefault("3s")
        Duration connectTimeout();

        /**
         * Time an upstream has to send its final answer head to a plain HTTP request, from the request's last byte
         * written to it (504 after it; 1xx heads do not extend it); also the longest it may take none of a request body
         * the proxy holds for it.
         */
        @WithDefault("60s")
        Duration responseTimeout();

        /** Idle keep-alive connections kept per endpoint and I/O thread. */
        @WithDefault("64")
        int maxIdlePerEndpoint();

        /**
         * Idle keep-alive connections kept in all, shared evenly by the I/O threads (as nginx's {@code keepalive} per
         * worker); the open-files budget keeps a descriptor for each.
         */
        @WithDefault("256")
        int maxIdle();
    }

    interface DefaultBackend {
        /**
         * {@code app}: the embedding Quarkus application's own HTTP server; {@code none}: 404;
         * or {@code host:port}.
         */
        @WithDefault("app")
        String target();

        /**
         * Whether the default backend gets the client's own X-Forwarded-For and Forwarded values in front of wsroute's
         * (and the client's X-Forwarded-Ssl/-Port/-Prefix/-Server), as a route's backend does. Off: wsroute's alone,
         * since the listener is the app's public port and apps believe the first X-Forwarded-For element. On where an
         * L7 load balancer or ingress in front of wsroute sets them (a sidecar behind an ingress), as ingress-nginx's
         * {@code use-forwarded-headers}.
         */
        @WithDefault("false")
        boolean trustForwarded();
    }

    interface Tls {
        /** Namespace/name (or name) of the Secret whose certificate is served to clients without a known SNI. */
        Optional<String> defaultSecret();
    }

    /**
     * A fresh JVM runs the data plane's code interpreted until its JIT compilers have seen it often enough: a reconnect
     * storm on a freshly started replica (after a deploy, a scale-out, a restart) costs it about three times a warm
     * replica's CPU per session for its first seconds. With a warm-up, the process first runs these sessions and requests
     * through a private data plane on 127.0.0.1 to an echo server of its own (no route, meter, access-log line or
     * endpoint of the real one sees them) and reports ready only after them; the listeners accept from the start.
     */
    interface WarmUp {
        /** WebSocket sessions (upgrade, one message echoed, Close) run before readiness; 0: none. */
        @WithDefault("0")
        int sessions();

        /** Plain HTTP requests (keep-alive) run before readiness; 0: none. */
        @WithDefault("0")
        int requests();

        /**
         * wss:// sessions (a full TLS handshake each, then as {@link #sessions}) run before readiness where the TLS
         * listener is on; 0: none. A cold TLS path costs several times a cold plain one.
         */
        @WithDefault("0")
        int tlsSessions();
    }

    interface AccessLog {
        /** One line per HTTP request and per WebSocket session, on the category {@code wsroute.access}. */
        @WithDefault("true")
        boolean enabled();

        /**
         * Lines that may wait for the access log's writer thread; beyond that, lines are dropped and counted in
         * {@code wsroute_access_log_dropped_total}.
         */
        @WithDefault("65536")
        int queueLines();

        /**
         * How a line shows the request's query: {@code redacted} (parameter names, each value written as
         * {@code <redacted>}: WebSocket apps carry credentials there), {@code full} (as sent) or {@code none}.
         */
        @WithDefault("redacted")
        String query();
    }
}

package dev.wsroute.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Run-time configuration of wsroute, under the {@code wsroute.} prefix. */
@ConfigMapping(prefix = "wsroute")
@ConfigRoot(phase = ConfigPhase.RUN_TIME)
public interface WsRouteConfig {

    /** Where routes come from and which planes run: standalone, ingress, operator or sidecar. */
    @WithDefault("standalone")
    Mode mode();

    /** YAML file of WebSocketRoute (and kubernetes.io/tls Secret) documents, used in standalone mode. */
    Optional<Path> routesFile();

    /** The listeners of the data plane. */
    Listen listen();

    /** Limits that apply before any route is known. */
    Limits limits();

    /** Draining of open connections on route removal, endpoint removal and shutdown. */
    Drain drain();

    /** Connections to upstream endpoints. */
    Upstream upstream();

    /** Where plain HTTP that no route claims goes. */
    DefaultBackend defaultBackend();

    /** Sidecar mode settings. */
    Sidecar sidecar();

    /** TLS termination settings. */
    Tls tls();

    /** Access logging. */
    AccessLog accessLog();

    /** The built-in demo (standalone mode without a routes file). */
    Demo demo();

    /** How the ingress, operator and sidecar modes talk to Kubernetes. */
    Kubernetes kubernetes();

    /** Number of I/O threads of the data plane; default: the number of processors. */
    OptionalInt ioThreads();

    enum Mode {
        standalone, ingress, operator, sidecar;

        /** Whether this mode serves traffic. */
        public boolean hasDataPlane() {
            return this != operator;
        }
    }

    interface Listen {
        /** Interface the listeners bind to. */
        @WithDefault("0.0.0.0")
        String host();

        /** Port for plain HTTP and ws://. */
        @WithDefault("8080")
        int port();

        /** Port for HTTPS and wss://; certificates are chosen by SNI. */
        @WithDefault("8443")
        int tlsPort();

        /** Whether the TLS listener is started (it is only useful once a certificate is configured). */
        @WithDefault("true")
        boolean tlsEnabled();
    }

    interface Limits {
        /** Time a client has to send a complete request head (slowloris guard): 408 after it. */
        @WithDefault("10s")
        Duration requestHeaderTimeout();

        /** Largest request head (request line plus headers): 431 above it. */
        @WithDefault("16K")
        io.quarkus.runtime.configuration.MemorySize maxHeaderSize();

        /** Idle time after which a keep-alive HTTP client connection is closed. */
        @WithDefault("60s")
        Duration httpIdleTimeout();

        /** Most client connections the data plane holds at once, across listeners; new ones are refused above it. */
        @WithDefault("9000")
        int maxConnections();
    }

    interface Drain {
        /** How long open WebSockets may go on after their route or endpoint is gone, or the proxy stops, before Close 1001. */
        @WithDefault("15s")
        Duration period();
    }

    interface Upstream {
        /** Time to open a TCP connection to one endpoint before the next one is tried. */
        @WithDefault("3s")
        Duration connectTimeout();

        /** Time an upstream has to answer a plain HTTP request head (504 after it). */
        @WithDefault("60s")
        Duration responseTimeout();

        /** Idle keep-alive connections kept per endpoint and I/O thread. */
        @WithDefault("16")
        int maxIdlePerEndpoint();
    }

    interface DefaultBackend {
        /**
         * {@code app}: the embedding Quarkus application's own HTTP server; {@code none}: 404;
         * or {@code host:port}.
         */
        @WithDefault("app")
        String target();
    }

    interface Sidecar {
        /** Port of the application container, which gets plain HTTP in sidecar mode. */
        @WithDefault("8081")
        int appPort();
    }

    interface Tls {
        /** Namespace/name (or name) of the Secret whose certificate is served to clients without a known SNI. */
        Optional<String> defaultSecret();
    }

    interface Kubernetes {
        /** Namespace to watch; default: all namespaces (ingress, operator), the pod's own namespace (sidecar). */
        Optional<String> namespace();

        /** Time changes are collected for before one new route table is built. */
        @WithDefault("50ms")
        Duration holdOff();

        /** Name of the Lease that elects the replica which writes status. */
        @WithDefault("wsroute-operator")
        String leaseName();

        /** Namespace of the Lease; default: the pod's own namespace. */
        Optional<String> leaseNamespace();
    }

    interface Demo {
        /** Port of the demo echo backend on 127.0.0.1 (0: any free port). */
        @WithDefault("9001")
        int echoPort();
    }

    interface AccessLog {
        /** One line per HTTP request and per WebSocket session, on the category {@code wsroute.access}. */
        @WithDefault("true")
        boolean enabled();
    }
}

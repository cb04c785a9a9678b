package dev.wsroute.proxy;

import java.time.Duration;

import dev.wsroute.config.WsRouteConfig;

/** The data plane's settings as plain values, so the proxy can be built and tested without Quarkus. */
public record ProxySettings(
        String host,
        int port,
        int tlsPort,
        boolean tlsEnabled,
        Duration headerTimeout,
        int maxHeaderSize,
        Duration httpIdleTimeout,
        int maxConnections,
        Duration drainPeriod,
        Duration connectTimeout,
        Duration responseTimeout,
        int maxIdlePerEndpoint,
        boolean accessLog,
        int ioThreads) {

    /** Defaults as documented in the configuration, with ephemeral ports (for tests and embedding). */
    public ProxySettings withAccessLog(boolean on) {
        return new ProxySettings(host, port, tlsPort, tlsEnabled, headerTimeout, maxHeaderSize, httpIdleTimeout, maxConnections,
                drainPeriod, connectTimeout, responseTimeout, maxIdlePerEndpoint, on, ioThreads);
    }

    public static ProxySettings defaults() {
        return new ProxySettings("127.0.0.1", 0, 0, false, Duration.ofSeconds(10), 16 * 1024, Duration.ofSeconds(60), 9000,
                Duration.ofSeconds(15), Duration.ofSeconds(3), Duration.ofSeconds(60), 16, true,
                Runtime.getRuntime().availableProcessors());
    }

    public static ProxySettings from(WsRouteConfig c) {
        return new ProxySettings(c.listen().host(), c.listen().port(), c.listen().tlsPort(), c.listen().tlsEnabled(),
                c.limits().requestHeaderTimeout(), (int) c.limits().maxHeaderSize().asLongValue(), c.limits().httpIdleTimeout(),
                c.limits().maxConnections(), c.drain().period(), c.upstream().connectTimeout(), c.upstream().responseTimeout(),
                c.upstream().maxIdlePerEndpoint(), c.accessLog().enabled(),
                c.ioThreads().orElse(Runtime.getRuntime().availableProcessors()));
    }

    public ProxySettings withPort(int newPort) {
        return new ProxySettings(host, newPort, tlsPort, tlsEnabled, headerTimeout, maxHeaderSize, httpIdleTimeout, maxConnections,
                drainPeriod, connectTimeout, responseTimeout, maxIdlePerEndpoint, accessLog, ioThreads);
    }

    public ProxySettings withDrainPeriod(Duration d) {
        return new ProxySettings(host, port, tlsPort, tlsEnabled, headerTimeout, maxHeaderSize, httpIdleTimeout, maxConnections,
                d, connectTimeout, responseTimeout, maxIdlePerEndpoint, accessLog, ioThreads);
    }

    public ProxySettings withHeaderTimeout(Duration d) {
        return new ProxySettings(host, port, tlsPort, tlsEnabled, d, maxHeaderSize, httpIdleTimeout, maxConnections,
                drainPeriod, connectTimeout, responseTimeout, maxIdlePerEndpoint, accessLog, ioThreads);
    }

    public ProxySettings withTls(int newTlsPort) {
        return new ProxySettings(host, port, newTlsPort, true, headerTimeout, maxHeaderSize, httpIdleTimeout, maxConnections,
                drainPeriod, connectTimeout, responseTimeout, maxIdlePerEndpoint, accessLog, ioThreads);
    }
}

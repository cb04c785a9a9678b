package dev.wsroute.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.log.QueryInLog;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * The {@code wsroute.*} values that convert but cannot work (a negative limit, a zero timeout, a port above 65535, a
 * default backend that is no address): start-up stops on them with one line naming each property, instead of a
 * listener that refuses every connection or answers every request 408, 414 or 404.
 */
final class SettingsCheck {
    private final List<String> problems = new ArrayList<>();
    private final Set<String> properties = new LinkedHashSet<>();

    private SettingsCheck() {
    }

    /** One line naming every property whose value cannot work, or empty. */
    static Optional<ConfigurationException> check(WsRouteConfig config) {
        SettingsCheck c = new SettingsCheck();
        WsRouteConfig.Listen listen = config.listen();
        c.port("wsroute.listen.port", listen.port());
        c.port("wsroute.listen.tls-port", listen.tlsPort());
        c.port("wsroute.listen.test-port", listen.testPort());
        c.port("wsroute.listen.test-tls-port", listen.testTlsPort());
        WsRouteConfig.Limits limits = config.limits();
        c.positive("wsroute.limits.request-header-timeout", limits.requestHeaderTimeout());
        c.atLeast("wsroute.limits.max-header-size", limits.maxHeaderSize().asLongValue(), 1);
        c.atLeast("wsroute.limits.max-request-body-size", limits.maxRequestBodySize().asLongValue(), 0);
        c.positive("wsroute.limits.request-body-timeout", limits.requestBodyTimeout());
        c.positive("wsroute.limits.http-idle-timeout", limits.httpIdleTimeout());
        c.atLeast("wsroute.limits.max-connections", limits.maxConnections(), 1);
        if (config.drain().period().isNegative()) {
            c.problem("wsroute.drain.period", text(config.drain().period()), "must not be negative");
        }
        c.positive("wsroute.upstream.connect-timeout", config.upstream().connectTimeout());
        c.positive("wsroute.upstream.response-timeout", config.upstream().responseTimeout());
        c.atLeast("wsroute.upstream.max-idle-per-endpoint", config.upstream().maxIdlePerEndpoint(), 0);
        c.atLeast("wsroute.access-log.queue-lines", config.accessLog().queueLines(), 1);
        if (QueryInLog.parse(config.accessLog().query()).isEmpty()) {
            c.problem("wsroute.access-log.query", "'" + config.accessLog().query() + "'", "must be redacted, full or none");
        }
        config.ioThreads().ifPresent(n -> c.atLeast("wsroute.io-threads", n, 1));
        c.target(config.defaultBackend().target());
        if (c.problems.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ConfigurationException("wsroute: invalid settings: " + String.join("; ", c.problems),
                c.properties));
    }

    private void port(String property, int port) {
        if (port < 0 || port > 65535) {
            problem(property, port, "must be a port from 0 to 65535 (0: any free port)");
        }
    }

    private void positive(String property, Duration value) {
        if (value.isNegative() || value.isZero()) {
            problem(property, text(value), "must be longer than 0");
        }
    }

    private void atLeast(String property, long value, long min) {
        if (value < min) {
            problem(property, value, "must be at least " + min);
        }
    }

    private void target(String value) {
        String t = value.trim();
        if (t.equals("app") || t.equals("none")) {
            return;
        }
        int colon = t.lastIndexOf(':');
        int port = -1;
        if (colon > 0) {
            try {
                port = Integer.parseInt(t.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
        }
        if (port < 1 || port > 65535) {
            problem("wsroute.default-backend.target", "'" + value + "'", "must be app, none or host:port");
        }
    }

    /** As it is written in application.properties: {@code -1s}, not {@code PT-1S}. */
    private static String text(Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    private void problem(String property, Object value, String rule) {
        problems.add(property + " is " + value + ", " + rule);
        properties.add(property);
    }
}

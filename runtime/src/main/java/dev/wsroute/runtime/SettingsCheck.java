package dev.wsroute.runtime;

import java.util.Optional;

import dev.wsroute.config.SettingProblems;
import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.log.QueryInLog;
import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * The {@code wsroute.*} values that convert but cannot work (a negative limit, a zero timeout, a port above 65535, a
 * default backend that is no address): start-up stops on them with one line naming each property, instead of a
 * listener that refuses every connection or answers every request 408, 414 or 404.
 */
final class SettingsCheck {
    private SettingsCheck() {
    }

    /** One line naming every property whose value cannot work, or empty. */
    static Optional<ConfigurationException> check(WsRouteConfig config) {
        SettingProblems c = new SettingProblems();
        WsRouteConfig.Listen listen = config.listen();
        c.port("wsroute.listen.port", listen.port());
        c.port("wsroute.listen.tls-port", listen.tlsPort());
        c.port("wsroute.listen.test-port", listen.testPort());
        c.port("wsroute.listen.test-tls-port", listen.testTlsPort());
        listen.proxyProtocolFrom().flatMap(dev.wsroute.proxy.TrustedPeers::problem)
                .ifPresent(why -> c.problem("wsroute.listen.proxy-protocol-from", listen.proxyProtocolFrom().get(), why));
        WsRouteConfig.Limits limits = config.limits();
        c.positive("wsroute.limits.request-header-timeout", limits.requestHeaderTimeout());
        c.atLeast("wsroute.limits.max-header-size", limits.maxHeaderSize().asLongValue(), 1);
        c.atLeast("wsroute.limits.max-request-body-size", limits.maxRequestBodySize().asLongValue(), 0);
        c.positive("wsroute.limits.request-body-timeout", limits.requestBodyTimeout());
        c.positive("wsroute.limits.lingering-time", limits.lingeringTime());
        c.positive("wsroute.limits.lingering-timeout", limits.lingeringTimeout());
        c.positive("wsroute.limits.http-idle-timeout", limits.httpIdleTimeout());
        c.atLeast("wsroute.limits.max-connections", limits.maxConnections(), 1);
        if (config.drain().period().isNegative()) {
            c.problem("wsroute.drain.period", SettingProblems.text(config.drain().period()), "must not be negative");
        }
        if (config.drain().closeSpread().isNegative()) {
            c.problem("wsroute.drain.close-spread", SettingProblems.text(config.drain().closeSpread()), "must not be negative");
        }
        c.positive("wsroute.upstream.connect-timeout", config.upstream().connectTimeout());
        c.positive("wsroute.upstream.response-timeout", config.upstream().responseTimeout());
        c.atLeast("wsroute.upstream.max-idle-per-endpoint", config.upstream().maxIdlePerEndpoint(), 0);
        c.atLeast("wsroute.upstream.max-idle", config.upstream().maxIdle(), 0);
        c.atLeast("wsroute.access-log.queue-lines", config.accessLog().queueLines(), 1);
        if (QueryInLog.parse(config.accessLog().query()).isEmpty()) {
            c.problem("wsroute.access-log.query", "'" + config.accessLog().query() + "'", "must be redacted, full or none");
        }
        c.atLeast("wsroute.warm-up.sessions", config.warmUp().sessions(), 0);
        c.atLeast("wsroute.warm-up.requests", config.warmUp().requests(), 0);
        c.atLeast("wsroute.warm-up.tls-sessions", config.warmUp().tlsSessions(), 0);
        config.ioThreads().ifPresent(n -> c.atLeast("wsroute.io-threads", n, 1));
        target(c, config.defaultBackend().target());
        return c.result();
    }

    private static void target(SettingProblems c, String value) {
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
            c.problem("wsroute.default-backend.target", "'" + value + "'", "must be app, none or host:port");
        }
    }
}

package dev.wsroute.testing;

import java.util.HashMap;
import java.util.Map;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.config.WsRouteConfigs;

/**
 * The extension's configuration built the way Quarkus builds it (the same mapping, its real defaults, Quarkus's
 * converters), for data planes started without Quarkus. Tests only name what they change.
 */
public final class TestConfig {
    private TestConfig() {
    }

    /**
     * The defaults, with the listener on 127.0.0.1:0 and no TLS listener, then these overrides: property names
     * and values in pairs, e.g. {@code wsroute("wsroute.drain.period", "300ms")}.
     */
    public static WsRouteConfig wsroute(String... overrides) {
        if (overrides.length % 2 != 0) {
            throw new IllegalArgumentException("overrides come in name, value pairs");
        }
        Map<String, String> values = new HashMap<>(Map.of(
                "wsroute.listen.host", "127.0.0.1",
                "wsroute.listen.port", "0",
                "wsroute.listen.tls-enabled", "false"));
        for (int i = 0; i < overrides.length; i += 2) {
            values.put(overrides[i], overrides[i + 1]);
        }
        return WsRouteConfigs.of(values, "test");
    }

    /** The defaults plus a TLS listener on any free port. */
    public static WsRouteConfig withTls(String... overrides) {
        String[] all = java.util.Arrays.copyOf(overrides, overrides.length + 4);
        all[overrides.length] = "wsroute.listen.tls-enabled";
        all[overrides.length + 1] = "true";
        all[overrides.length + 2] = "wsroute.listen.tls-port";
        all[overrides.length + 3] = "0";
        return wsroute(all);
    }
}

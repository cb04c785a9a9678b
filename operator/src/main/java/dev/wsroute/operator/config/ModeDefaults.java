package dev.wsroute.operator.config;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * What each mode means for the extension's settings, as defaults that any configured value overrides: operator mode
 * serves no traffic; sidecar mode sends what no route claims to the app container; the other modes have no app
 * behind them (404). Ordinal just below the application.properties of the jar.
 */
public class ModeDefaults implements ConfigSourceFactory {
    static final int ORDINAL = 245;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue mode = context.getValue("wsroute.mode");
        return List.of(new PropertiesConfigSource(defaults(mode.getValue() == null ? "standalone" : mode.getValue()),
                "wsroute mode defaults", ORDINAL));
    }

    static Map<String, String> defaults(String mode) {
        return switch (WsRouteAppConfig.Mode.valueOf(mode.trim())) {
            case operator -> Map.of("wsroute.listen.enabled", "false", "wsroute.default-backend.target", "none");
            case sidecar -> Map.of("wsroute.default-backend.target", "127.0.0.1:${wsroute.sidecar.app-port}");
            case standalone, ingress -> Map.of("wsroute.default-backend.target", "none");
        };
    }
}

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
 * behind them (404). The ingress warms its data plane up before it reports ready (a fresh replica meets the reconnect storm
 * of a deploy); standalone mode (demos, quick runs) and sidecars (small CPU shares, an app starting beside them) do not.
 * The modes that serve traffic keep serving for {@link #SHUTDOWN_DELAY} after SIGTERM
 * ({@code quarkus.shutdown.delay}: readiness DOWN, listeners open, while load balancers stop sending); operator mode
 * has nothing to keep serving and stops at once. Ordinal just below the application.properties of the jar.
 */
public class ModeDefaults implements ConfigSourceFactory {
    static final int ORDINAL = 245;
    /** The deregistration delay of the modes that serve traffic (deploy/'s grace periods are sized for it). */
    public static final String SHUTDOWN_DELAY = "5s";
    /**
     * The ingress's warm-up before readiness: sessions and requests each. Measured on 2 cores (bench/README): a session
     * storm on a fresh replica cost 480-1,030 µs of CPU per session in its first 5 s, 240-370 after a warm-up of 10,000,
     * 180-210 after 20,000 (a warm replica: ~150), for ~13 s of CPU and ~7 s more before ready.
     */
    static final String WARM_UP = "20000";
    /**
     * And its wss:// sessions, where the TLS listener is on (it is by default): the first 5 s of a wss:// storm on a
     * fresh replica warmed with plain sessions only cost 5.8-11 ms of CPU per session (half of it or more the JIT's),
     * 2.7-3.5 ms after 2,000 of these (a warm replica: ~0.7), for ~3 s of CPU more (bench/README).
     */
    static final String WARM_UP_TLS = "2000";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue mode = context.getValue("wsroute.mode");
        return List.of(new PropertiesConfigSource(defaults(mode.getValue() == null ? "standalone" : mode.getValue()),
                "wsroute mode defaults", ORDINAL));
    }

    /** The defaults of {@code mode} (a {@link WsRouteAppConfig.Mode} name). */
    public static Map<String, String> defaults(String mode) {
        return switch (WsRouteAppConfig.Mode.valueOf(mode.trim())) {
            // 0s, not absent: the build records what it saw (standalone's 5s) as the default below this source
            case operator -> Map.of("wsroute.listen.enabled", "false", "wsroute.default-backend.target", "none",
                    "quarkus.shutdown.delay", "0s");
            case sidecar -> Map.of("wsroute.default-backend.target", "127.0.0.1:${wsroute.sidecar.app-port}",
                    "quarkus.shutdown.delay", SHUTDOWN_DELAY);
            case standalone -> Map.of("wsroute.default-backend.target", "none", "quarkus.shutdown.delay", SHUTDOWN_DELAY);
            case ingress -> Map.of("wsroute.default-backend.target", "none", "quarkus.shutdown.delay", SHUTDOWN_DELAY,
                    "wsroute.warm-up.sessions", WARM_UP, "wsroute.warm-up.requests", WARM_UP, "wsroute.warm-up.tls-sessions", WARM_UP_TLS);
        };
    }
}

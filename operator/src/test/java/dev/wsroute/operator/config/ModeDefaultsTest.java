package dev.wsroute.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.wsroute.config.WsRouteConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** The mode decides the extension's defaults; anything configured still wins. */
class ModeDefaultsTest {

    @Test
    void operatorModeServesNoTraffic() {
        WsRouteConfig c = extension(Map.of("wsroute.mode", "operator"));
        assertThat(c.listen().enabled()).isFalse();
    }

    @Test
    void sidecarModeSendsWhatNoRouteClaimsToTheAppContainer() {
        assertThat(extension(Map.of("wsroute.mode", "sidecar")).defaultBackend().target()).isEqualTo("127.0.0.1:8081");
        assertThat(extension(Map.of("wsroute.mode", "sidecar", "wsroute.sidecar.app-port", "3000")).defaultBackend().target())
                .isEqualTo("127.0.0.1:3000");
    }

    @Test
    void standaloneAndIngressHaveNoAppBehindThem() {
        assertThat(extension(Map.of()).defaultBackend().target()).isEqualTo("none");
        assertThat(extension(Map.of("wsroute.mode", "ingress")).defaultBackend().target()).isEqualTo("none");
        assertThat(extension(Map.of()).listen().enabled()).isTrue();
    }

    /** SIGTERM: the modes that serve traffic go on serving through a deregistration delay; operator mode stops at once. */
    @Test
    void theModesThatServeTrafficHaveAShutdownDelay() {
        assertThat(delay(Map.of())).isEqualTo("5s");
        assertThat(delay(Map.of("wsroute.mode", "ingress"))).isEqualTo("5s");
        assertThat(delay(Map.of("wsroute.mode", "sidecar"))).isEqualTo("5s");
        assertThat(delay(Map.of("wsroute.mode", "operator"))).isEqualTo("0s");
        assertThat(delay(Map.of("wsroute.mode", "ingress", "quarkus.shutdown.delay", "10s"))).isEqualTo("10s");
    }

    private static String delay(Map<String, String> values) {
        return new SmallRyeConfigBuilder().withSources(new ModeDefaults()).withSources(new PropertiesConfigSource(values, "test", 250))
                .build().getOptionalValue("quarkus.shutdown.delay", String.class).orElse(null);
    }

    /** The ingress meets a deploy's reconnect storm warm; the other modes start without a warm-up. */
    @Test
    void onlyTheIngressWarmsUpBeforeItIsReady() {
        WsRouteConfig.WarmUp ingress = extension(Map.of("wsroute.mode", "ingress")).warmUp();
        assertThat(java.util.List.of(ingress.sessions(), ingress.requests(), ingress.tlsSessions())).containsExactly(20000, 20000, 2000);
        for (String mode : java.util.List.of("standalone", "sidecar", "operator")) {
            WsRouteConfig.WarmUp none = extension(Map.of("wsroute.mode", mode)).warmUp();
            assertThat(java.util.List.of(none.sessions(), none.requests(), none.tlsSessions())).as(mode).containsOnly(0);
        }
        WsRouteConfig.WarmUp off = extension(Map.of("wsroute.mode", "ingress", "wsroute.warm-up.sessions", "0",
                "wsroute.warm-up.requests", "0", "wsroute.warm-up.tls-sessions", "0")).warmUp();
        assertThat(java.util.List.of(off.sessions(), off.requests(), off.tlsSessions())).as("turned off").containsOnly(0);
    }

    @Test
    void aConfiguredValueWins() {
        WsRouteConfig c = extension(Map.of("wsroute.mode", "operator", "wsroute.listen.enabled", "true",
                "wsroute.default-backend.target", "10.0.0.1:80"));
        assertThat(c.listen().enabled()).isTrue();
        assertThat(c.defaultBackend().target()).isEqualTo("10.0.0.1:80");
    }

    private static WsRouteConfig extension(Map<String, String> values) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().addDefaultInterceptors()
                .withConverter(java.time.Duration.class, 200, new DurationConverter())
                .withConverter(io.quarkus.runtime.configuration.MemorySize.class, 200, new MemorySizeConverter())
                .withMapping(WsRouteConfig.class)
                .withMapping(WsRouteAppConfig.class)
                .withSources(new ModeDefaults())
                .withSources(new PropertiesConfigSource(values, "test", 250))
                .build();
        return config.getConfigMapping(WsRouteConfig.class);
    }
}

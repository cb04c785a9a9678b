package dev.wsroute.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/** A status write cap that cannot work stops the start with one line naming the property and the value. */
class KubernetesSettingsCheckTest {

    @Test
    void theDefaultsPassAndSoDoesAFractionalRate() {
        WsRouteAppConfig.Kubernetes defaults = kubernetes(Map.of());
        assertThat(defaults.statusWritesPerSecond()).isEqualTo(10);
        assertThat(defaults.statusWriteBurst()).isEqualTo(20);
        assertThat(KubernetesSettingsCheck.check(defaults)).isEmpty();
        assertThat(KubernetesSettingsCheck.check(kubernetes(Map.of("wsroute.kubernetes.status-writes-per-second", "0.5",
                "wsroute.kubernetes.status-write-burst", "1")))).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "wsroute.kubernetes.status-writes-per-second | 0   | is 0.0, must be a number above 0",
            "wsroute.kubernetes.status-writes-per-second | -5  | is -5.0, must be a number above 0",
            "wsroute.kubernetes.status-writes-per-second | NaN | is NaN, must be a number above 0",
            "wsroute.kubernetes.status-write-burst       | 0   | is 0, must be at least 1",
    })
    void aValueThatCannotWorkIsOneLineNamingTheProperty(String property, String value, String says) {
        ConfigurationException e = KubernetesSettingsCheck.check(kubernetes(Map.of(property, value))).orElseThrow();
        assertThat(e.getMessage()).isEqualTo("wsroute: invalid settings: " + property + " " + says);
        assertThat(e.getConfigKeys()).containsExactly(property);
    }

    private static WsRouteAppConfig.Kubernetes kubernetes(Map<String, String> values) {
        return new SmallRyeConfigBuilder().addDefaultInterceptors()
                .withConverter(java.time.Duration.class, 200, new DurationConverter())
                .withMapping(WsRouteAppConfig.class)
                .withSources(new PropertiesConfigSource(values, "test", 250))
                .build().getConfigMapping(WsRouteAppConfig.class).kubernetes();
    }
}

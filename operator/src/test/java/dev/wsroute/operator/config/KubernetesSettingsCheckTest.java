package dev.wsroute.operator.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/** A status write cap or Lease timings that cannot work stop the start with one line naming the property and the value. */
class KubernetesSettingsCheckTest {

    @Test
    void theDefaultsPassAndSoDoesAFractionalRate() {
        WsRouteAppConfig.Kubernetes defaults = kubernetes(Map.of());
        assertThat(defaults.statusWritesPerSecond()).isEqualTo(10);
        assertThat(defaults.statusWriteBurst()).isEqualTo(20);
        assertThat(KubernetesSettingsCheck.check(defaults)).isEmpty();
        assertThat(KubernetesSettingsCheck.check(kubernetes(Map.of("wsroute.kubernetes.status-writes-per-second", "0.5",
                "wsroute.kubernetes.status-write-burst", "1")))).isEmpty();
        assertThat(KubernetesSettingsCheck.check(kubernetes(Map.of("wsroute.kubernetes.status-writes-per-second", "0.001"))))
                .as("a slow writer, one write in 1,000 s").isEmpty();
        assertThat(KubernetesSettingsCheck.check(kubernetes(Map.of("wsroute.kubernetes.status-writes-per-second", "0.0001"))))
                .as("the least").isEmpty();
    }

    @Test
    void theLeaseTimingsDefaultToKubernetesOwnAndAShortLeasePasses() {
        WsRouteAppConfig.Kubernetes defaults = kubernetes(Map.of());
        assertThat(defaults.leaseDuration()).isEqualTo(Duration.ofSeconds(15));
        assertThat(defaults.leaseRenewDeadline()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.leaseRetryPeriod()).isEqualTo(Duration.ofSeconds(2));
        assertThat(KubernetesSettingsCheck.check(kubernetes(Map.of("wsroute.kubernetes.lease-duration", "4s",
                "wsroute.kubernetes.lease-renew-deadline", "2s", "wsroute.kubernetes.lease-retry-period", "200ms"))))
                .isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // lease-duration | renew-deadline | retry-period | property named | what it says
            "10s | 10s  | 2s  | lease-renew-deadline | is 10s, must be shorter than wsroute.kubernetes.lease-duration (10s): the holder stops writing by it, before another replica may take the Lease",
            "15s | 20s  | 2s  | lease-renew-deadline | is 20s, must be shorter than wsroute.kubernetes.lease-duration (15s): the holder stops writing by it, before another replica may take the Lease",
            "15s | 2s   | 2s  | lease-retry-period   | is 2s, must be shorter than wsroute.kubernetes.lease-renew-deadline (2s): the holder tries to renew every retry period",
            "15s | 10s  | 0s  | lease-retry-period   | is 0s, must be longer than 0",
            "15s | -1s  | 2s  | lease-renew-deadline | is -1s, must be longer than 0",
            "500ms | 200ms | 100ms | lease-duration | is 0.5s, must be at least 1s (the Lease records whole seconds)",
    })
    void leaseTimingsOutOfOrderAreOneLineNamingTheProperty(String lease, String renew, String retry, String named,
            String says) {
        ConfigurationException e = KubernetesSettingsCheck.check(kubernetes(Map.of("wsroute.kubernetes.lease-duration",
                lease, "wsroute.kubernetes.lease-renew-deadline", renew, "wsroute.kubernetes.lease-retry-period", retry)))
                .orElseThrow();
        assertThat(e.getMessage()).isEqualTo("wsroute: invalid settings: wsroute.kubernetes." + named + " " + says);
        assertThat(e.getConfigKeys()).containsExactly("wsroute.kubernetes." + named);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "wsroute.kubernetes.status-writes-per-second | 0   | is 0.0, must be a number of at least 0.0001 (a write every 10000 s)",
            "wsroute.kubernetes.status-writes-per-second | -5  | is -5.0, must be a number of at least 0.0001 (a write every 10000 s)",
            "wsroute.kubernetes.status-writes-per-second | NaN | is NaN, must be a number of at least 0.0001 (a write every 10000 s)",
            "wsroute.kubernetes.status-writes-per-second | 1e-12 | is 1.0E-12, must be a number of at least 0.0001 (a write every 10000 s)",
            "wsroute.kubernetes.status-writes-per-second | Infinity | is Infinity, must be a number of at least 0.0001 (a write every 10000 s)",
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

package dev.wsroute.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.wsroute.testing.TestConfig;
import io.quarkus.runtime.configuration.ConfigurationException;

/** Values that convert but cannot work stop the start with one line naming the property and the value. */
class SettingsCheckTest {

    @Test
    void theDefaultsPass() {
        assertThat(SettingsCheck.check(TestConfig.wsroute())).isEmpty();
        assertThat(SettingsCheck.check(TestConfig.wsroute("wsroute.default-backend.target", "10.0.0.1:8081",
                "wsroute.drain.period", "0s", "wsroute.drain.close-spread", "20s", "wsroute.limits.max-request-body-size", "0", "wsroute.io-threads", "1", "wsroute.access-log.query", "full", "wsroute.warm-up.sessions", "0", "wsroute.warm-up.requests", "20000",
                "wsroute.listen.proxy-protocol", "true", "wsroute.listen.proxy-protocol-from", "10.0.0.0/8,fd00::/8,192.168.1.10"))).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "wsroute.listen.port                    | 70000    | is 70000, must be a port from 0 to 65535",
            "wsroute.listen.tls-port                | -1       | is -1, must be a port from 0 to 65535",
            "wsroute.listen.test-port               | 65536    | is 65536, must be a port",
            "wsroute.limits.request-header-timeout  | -1s      | is -1s, must be longer than 0",
            "wsroute.limits.max-header-size         | 0        | is 0, must be at least 1",
            "wsroute.limits.request-body-timeout    | 0s       | is 0s, must be longer than 0",
            "wsroute.limits.request-body-timeout    | -3s      | is -3s, must be longer than 0",
            "wsroute.limits.http-idle-timeout       | 0s       | is 0s, must be longer than 0",
            "wsroute.limits.max-connections         | -5       | is -5, must be at least 1",
            "wsroute.drain.period                   | -2s      | is -2s, must not be negative",
            "wsroute.drain.close-spread             | -1s      | is -1s, must not be negative",
            "wsroute.upstream.connect-timeout       | -1s      | is -1s, must be longer than 0",
            "wsroute.upstream.response-timeout      | 0s       | is 0s, must be longer than 0",
            "wsroute.upstream.max-idle-per-endpoint | -1       | is -1, must be at least 0",
            "wsroute.upstream.max-idle              | -1       | is -1, must be at least 0",
            "wsroute.access-log.queue-lines         | 0        | is 0, must be at least 1",
            "wsroute.io-threads                     | -1       | is -1, must be at least 1",
            "wsroute.warm-up.sessions               | -1       | is -1, must be at least 0",
            "wsroute.warm-up.requests               | -20000   | is -20000, must be at least 0",
            "wsroute.warm-up.tls-sessions           | -2       | is -2, must be at least 0",
            "wsroute.access-log.query               | all      | is 'all', must be redacted, full or none",
            "wsroute.default-backend.target         | garbage  | is 'garbage', must be app, none or host:port",
            "wsroute.default-backend.target         | host:0   | is 'host:0', must be app, none or host:port",
            "wsroute.listen.proxy-protocol-from     | 10.0.0.0/33 | is [10.0.0.0/33], '10.0.0.0/33': the prefix length must be 0 to 32",
            "wsroute.listen.proxy-protocol-from     | lb.internal | is [lb.internal], 'lb.internal' is no IP address or CIDR",
    })
    void aValueThatCannotWorkIsOneLineNamingTheProperty(String property, String value, String says) {
        ConfigurationException e = SettingsCheck.check(TestConfig.wsroute(property, value)).orElseThrow();
        assertThat(e.getMessage()).startsWith("wsroute: invalid settings: " + property + " " + says).doesNotContain("\n");
        assertThat(e.getConfigKeys()).containsExactly(property);
    }

    @Test
    void everyProblemIsNamedAtOnce() {
        ConfigurationException e = SettingsCheck.check(TestConfig.wsroute("wsroute.limits.max-connections", "0",
                "wsroute.listen.port", "-1")).orElseThrow();
        assertThat(e.getMessage()).contains("wsroute.limits.max-connections is 0", "; ", "wsroute.listen.port is -1");
        assertThat(e.getConfigKeys()).containsExactlyInAnyOrder("wsroute.limits.max-connections", "wsroute.listen.port");
    }
}

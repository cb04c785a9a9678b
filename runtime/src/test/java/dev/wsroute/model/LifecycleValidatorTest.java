package dev.wsroute.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import dev.wsroute.api.WebSocketRouteSpec;
import dev.wsroute.model.Lifecycle.ActiveCheck;
import dev.wsroute.model.RouteValidator.Result;

/** The lifecycle fields of a rule: defaults, ranges and the field named by each error. */
class LifecycleValidatorTest {
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    private static Result rule(String body) {
        try {
            WebSocketRouteSpec spec = YAML.readValue("rules: [{backends: [{endpoints: ['127.0.0.1:9001']}], " + body + "}]",
                    WebSocketRouteSpec.class);
            return new RouteValidator(RouteValidator.Source.FILE).validate(new RouteId("default", "chat"), spec);
        } catch (Exception e) {
            throw new AssertionError(body, e);
        }
    }

    private static Lifecycle lifecycle(String body) {
        Result r = rule(body);
        assertThat(r.errors()).isEmpty();
        return r.route().rules().get(0).lifecycle();
    }

    private static List<String> errors(String body) {
        return rule(body).errors().stream().map(FieldError::toString).toList();
    }

    @Test
    void aRuleWithoutLifecycleFieldsHasNoLimitsAndNoChecks() {
        assertThat(lifecycle("")).isEqualTo(Lifecycle.NONE);
        assertThat(Lifecycle.NONE.healthChecked()).isFalse();
    }

    @Test
    void theContractExampleParsesToItsValues() {
        Lifecycle l = lifecycle("timeouts: {maxDuration: 24h}, maxMessageSize: 1Mi, rateLimit: {handshakesPerClient: 20},"
                + " healthCheck: {active: {type: WebSocket, path: /healthz, interval: 5s, timeout: 2s, healthyThreshold: 2,"
                + " unhealthyThreshold: 3}, passive: {consecutiveFailures: 5, baseEjectionTime: 30s, maxEjectionPercent: 50}},"
                + " rebalance: {tolerance: 20, maxClosesPerSecond: 20}");
        assertThat(l.maxDuration()).contains(Duration.ofHours(24));
        assertThat(l.maxMessageSize()).hasValue(1 << 20);
        assertThat(l.handshakesPerClient()).hasValue(20);
        assertThat(l.activeCheck()).contains(new ActiveCheck(ActiveCheck.Type.WebSocket, "/healthz", Duration.ofSeconds(5),
                Duration.ofSeconds(2), 2, 3));
        assertThat(l.passiveCheck()).contains(new Lifecycle.PassiveCheck(5, Duration.ofSeconds(30), 50));
        assertThat(l.rebalance()).contains(new Lifecycle.Rebalance(20, 20));
        assertThat(l.healthChecked()).isTrue();
    }

    @Test
    void emptyBlocksTakeTheDefaults() {
        Lifecycle l = lifecycle("healthCheck: {active: {type: TCP}, passive: {}}, rebalance: {}");
        assertThat(l.activeCheck()).contains(new ActiveCheck(ActiveCheck.Type.TCP, null, ActiveCheck.DEFAULT_INTERVAL,
                ActiveCheck.DEFAULT_TIMEOUT, 2, 3));
        assertThat(l.passiveCheck()).contains(new Lifecycle.PassiveCheck(5, Duration.ofSeconds(30), 50));
        assertThat(l.rebalance()).contains(new Lifecycle.Rebalance(20, 20));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "timeouts: {maxDuration: 500ms}                       | spec.rules[0].timeouts.maxDuration: must be at least 1s",
            "timeouts: {maxDuration: 1d}                          | spec.rules[0].timeouts.maxDuration: '1d' is not a duration such as 10s, 1h30m or 500ms",
            "maxMessageSize: 1Qi                                  | spec.rules[0].maxMessageSize: '1Qi' is not a size such as 1Mi, 64Ki, 500k or 1048576",
            "maxMessageSize: 0                                    | spec.rules[0].maxMessageSize: must be at least 1 byte",
            "maxMessageSize: 0.5                                  | spec.rules[0].maxMessageSize: '0.5' is not a whole number of bytes below 2^63",
            "rateLimit: {handshakesPerClient: 0}                  | spec.rules[0].rateLimit.handshakesPerClient: must be between 1 and 1000000",
            "rateLimit: {}                                        | spec.rules[0].rateLimit.handshakesPerClient: is required",
            "healthCheck: {}                                      | spec.rules[0].healthCheck: needs active or passive",
            "healthCheck: {active: {path: /h}}                    | spec.rules[0].healthCheck.active.type: is required (WebSocket, HTTP or TCP)",
            "healthCheck: {active: {type: WebSocket}}             | spec.rules[0].healthCheck.active.path: is required for WebSocket probes",
            "healthCheck: {active: {type: HTTP, path: h}}         | spec.rules[0].healthCheck.active.path: must start with '/'",
            "healthCheck: {active: {type: TCP, interval: 50ms, timeout: 10ms}} | spec.rules[0].healthCheck.active.interval: must be at least 100ms",
            "healthCheck: {active: {type: TCP, interval: 1s, timeout: 2s}} | spec.rules[0].healthCheck.active.timeout: must not be longer than the interval (1s)",
            "healthCheck: {active: {type: TCP, unhealthyThreshold: 101}}   | spec.rules[0].healthCheck.active.unhealthyThreshold: must be between 1 and 100",
            "healthCheck: {passive: {consecutiveFailures: 0}}     | spec.rules[0].healthCheck.passive.consecutiveFailures: must be between 1 and 1000",
            "healthCheck: {passive: {baseEjectionTime: 0s}}       | spec.rules[0].healthCheck.passive.baseEjectionTime: must be more than zero",
            "healthCheck: {passive: {maxEjectionPercent: 101}}    | spec.rules[0].healthCheck.passive.maxEjectionPercent: must be between 0 and 100",
            "rebalance: {tolerance: -1}                           | spec.rules[0].rebalance.tolerance: must be between 0 and 1000",
            "rebalance: {maxClosesPerSecond: 0}                   | spec.rules[0].rebalance.maxClosesPerSecond: must be between 1 and 10000",
    })
    void eachBadFieldIsNamed(String body, String error) {
        assertThat(errors(body)).containsExactly(error);
    }

    @ParameterizedTest
    @CsvSource({"1048576,1048576", "1Mi,1048576", "64Ki,65536", "500k,500000", "1.5M,1500000", "1e6,1000000", "2Gi,2147483648"})
    void sizesAreKubernetesQuantities(String text, long bytes) {
        assertThat(ByteSizes.parse(text)).isEqualTo(bytes);
    }

    @Test
    void sizesThatAreNoWholeNumberOfBytesAreRefused() {
        assertThatThrownBy(() -> ByteSizes.parse("1.5")).hasMessageContaining("whole number");
        assertThatThrownBy(() -> ByteSizes.parse("16Ei")).hasMessageContaining("below 2^63");
        assertThatThrownBy(() -> ByteSizes.parse("-1")).hasMessageContaining("is not a size");
    }
}

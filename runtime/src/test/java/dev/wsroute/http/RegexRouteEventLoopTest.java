package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.WsClient;
import dev.wsroute.testing.EchoBackend;

/**
 * The ReDoS: a route author's {@code /((a+)+)+$} against a path of many {@code a}s and a {@code !}. A
 * backtracking engine takes 2^n steps and stalls the event loop; RE2 matches in linear time. With one event loop,
 * a canary WebSocket on it keeps echoing between the hostile requests.
 */
class RegexRouteEventLoopTest {

    @Test
    void aCatastrophicPatternDoesNotStallTheEventLoop() throws Exception {
        try (EchoBackend echo = EchoBackend.start("echo"); ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.io-threads", "1"))) {
            px.routes("""
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: redos, namespace: tenant-a}
                    spec:
                      rules:
                        - match: {path: {type: RegularExpression, value: "/((a+)+)+$"}}
                          backends: [{endpoints: ["127.0.0.1:%1$d"]}]
                        - match: {path: {type: Prefix, value: /canary}}
                          backends: [{endpoints: ["127.0.0.1:%1$d"]}]
                    """.formatted(echo.port()));
            try (WsClient canary = WsClient.connect(px.ws("/canary"), Map.of())) {
                String hostile = "/" + "a".repeat(4000) + "!";
                for (int i = 0; i < 20; i++) {
                    try (RawHttp attacker = new RawHttp(px.port())) {
                        String answer = attacker.send(RawHttp.upgradeRequest(hostile, "x.test")).readResponse();
                        assertThat(RawHttp.status(answer)).isEqualTo(404);
                    }
                    assertThat(canary.roundTrip("ping " + i)).isEqualTo("ping " + i);
                }
                try (RawHttp matching = new RawHttp(px.port())) {
                    String answer = matching.send(RawHttp.upgradeRequest("/" + "a".repeat(4000), "x.test")).readHead();
                    assertThat(RawHttp.status(answer)).as("the pattern still matches what it should").isEqualTo(101);
                }
            }
        }
    }
}

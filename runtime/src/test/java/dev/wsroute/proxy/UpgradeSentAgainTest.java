package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.RawUpstream;
import dev.wsroute.testing.ScriptedUpstream;
import dev.wsroute.testing.TestConfig;

/**
 * An upgrade whose endpoint took the connection and closed it without a byte of answer (a pod going away between the
 * pick and its answer, a process that died) goes once to another endpoint, within the handshake's deadline, with the
 * client's early bytes. A storm aimed by LeastConnections at the one idle pod failed whole when that pod died: every
 * upgrade it had taken got 502 (rolloutprobe's finding).
 */
class UpgradeSentAgainTest {
    private ProxyHarness px;

    @BeforeEach
    void start() throws Exception {
        px = new ProxyHarness(TestConfig.wsroute("wsroute.access-log.enabled", "false"));
    }

    @AfterEach
    void stop() {
        px.close();
    }

    private void route(String... endpoints) {
        px.routes(WebSocketProxyTest.route("chat", "[]", """
                - match: {path: {type: Prefix, value: /echo}}
                  loadBalancer: {policy: RoundRobin}
                  backends: [{endpoints: [%s]}]
                """.formatted(String.join(", ", endpoints))));
    }

    private double upgrades(int status) {
        var c = px.metrics.find("wsroute.websocket.upgrades").tag("status", String.valueOf(status)).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void anUpgradeAnEndpointClosesUnansweredGoesToAnotherWithTheBytesSentAfterIt() throws Exception {
        try (RawUpstream closing = new RawUpstream(RawUpstream.Mode.CLOSE_BEFORE_ANSWER);
                RawUpstream echo = new RawUpstream(RawUpstream.Mode.ECHO_FRAMES)) {
            route(closing.endpoint(), echo.endpoint());
            for (int i = 0; i < 6; i++) {
                try (RawHttp client = new RawHttp(px.port())) {
                    byte[] head = RawHttp.upgradeRequest("/echo", "chat.example.com").getBytes(StandardCharsets.US_ASCII);
                    byte[] frame = RawHttp.maskedText("early " + i);
                    byte[] both = new byte[head.length + frame.length];
                    System.arraycopy(head, 0, both, 0, head.length);
                    System.arraycopy(frame, 0, both, head.length, frame.length);
                    client.send(both); // the frame comes before any answer: held, then sent to the endpoint that answers
                    assertThat(RawHttp.status(client.readHead())).as("upgrade %d", i).isEqualTo(101);
                    byte[] echoed = client.readServerFrame();
                    assertThat(new String(echoed, 1, echoed.length - 1, StandardCharsets.UTF_8)).isEqualTo("early " + i);
                }
            }
            assertThat(closing.accepted.get()).as("upgrades the closing endpoint took (each retry moves the rotation on)").isPositive();
            assertThat(echo.accepted).hasValue(6);
            assertThat(upgrades(502)).isZero();
            assertThat(upgrades(101)).isEqualTo(6);
        }
    }

    /** Each pod at most once: three that all close unanswered cost three tries, then the 502. */
    @Test
    void anUpgradeGoesToEachEndpointAtMostOnce() throws Exception {
        try (RawUpstream first = new RawUpstream(RawUpstream.Mode.CLOSE_BEFORE_ANSWER);
                RawUpstream second = new RawUpstream(RawUpstream.Mode.CLOSE_BEFORE_ANSWER);
                RawUpstream third = new RawUpstream(RawUpstream.Mode.CLOSE_BEFORE_ANSWER)) {
            route(first.endpoint(), second.endpoint(), third.endpoint());
            for (int i = 0; i < 3; i++) {
                try (RawHttp client = new RawHttp(px.port())) {
                    client.send(RawHttp.upgradeRequest("/echo", "chat.example.com"));
                    String answer = client.readResponse();
                    assertThat(RawHttp.status(answer)).isEqualTo(502);
                    assertThat(answer).contains("closed before answering the upgrade");
                }
            }
            assertThat(List.of(first.accepted.get(), second.accepted.get(), third.accepted.get())).as("one try per endpoint and upgrade")
                    .containsExactly(3, 3, 3);
        }
    }

    /** Two dead pods before a live one (LeastConnections sends the retry to the other dead pod, its sockets dying at once). */
    @Test
    void anUpgradeReachesTheLivePodPastTwoThatCloseUnanswered() throws Exception {
        try (RawUpstream first = new RawUpstream(RawUpstream.Mode.CLOSE_BEFORE_ANSWER);
                RawUpstream second = new RawUpstream(RawUpstream.Mode.CLOSE_BEFORE_ANSWER);
                RawUpstream echo = new RawUpstream(RawUpstream.Mode.ECHO_FRAMES)) {
            px.routes(WebSocketProxyTest.route("chat", "[]", """
                    - match: {path: {type: Prefix, value: /echo}}
                      loadBalancer: {policy: LeastConnections}
                      backends: [{endpoints: [%s, %s, %s]}]
                    """.formatted(first.endpoint(), second.endpoint(), echo.endpoint())));
            for (int i = 0; i < 6; i++) {
                try (RawHttp client = new RawHttp(px.port())) {
                    client.send(RawHttp.upgradeRequest("/echo", "chat.example.com"));
                    assertThat(RawHttp.status(client.readHead())).as("upgrade %d", i).isEqualTo(101);
                }
            }
            assertThat(upgrades(502)).isZero();
        }
    }

    /**
     * A pod listed twice (in one backend, or two backends or Services resolving to it, each with its own weight) is one
     * pod: an upgrade it closed unanswered is not sent to it again (retryreview's finding: it was, as "another endpoint").
     */
    @Test
    void aPodListedTwiceIsNotSentTheUpgradeAgain() throws Exception {
        try (RawUpstream closing = new RawUpstream(RawUpstream.Mode.CLOSE_BEFORE_ANSWER)) {
            px.routes(WebSocketProxyTest.route("chat", "[]", """
                    - match: {path: {type: Prefix, value: /echo}}
                      loadBalancer: {policy: RoundRobin}
                      backends: [{endpoints: [%1$s, %1$s]}, {endpoints: [%1$s], weight: 3}]
                    """.formatted(closing.endpoint())));
            for (int i = 0; i < 2; i++) {
                try (RawHttp client = new RawHttp(px.port())) {
                    client.send(RawHttp.upgradeRequest("/echo", "chat.example.com"));
                    assertThat(RawHttp.status(client.readResponse())).isEqualTo(502);
                }
            }
            assertThat(closing.accepted).as("one try per upgrade").hasValue(2);
        }
    }

    @Test
    void aLoneEndpointThatClosesUnansweredGets502() throws Exception {
        try (RawUpstream closing = new RawUpstream(RawUpstream.Mode.CLOSE_BEFORE_ANSWER)) {
            route(closing.endpoint());
            try (RawHttp client = new RawHttp(px.port())) {
                client.send(RawHttp.upgradeRequest("/echo", "chat.example.com"));
                assertThat(RawHttp.status(client.readResponse())).isEqualTo(502);
            }
            assertThat(closing.accepted).hasValue(1);
        }
    }

    /** Once any byte of an answer came, the endpoint may have acted on the request: the client gets the 502. */
    @Test
    void anUpgradeWhoseAnswerStartedIsNotSentAgain() throws Exception {
        try (ScriptedUpstream partial = new ScriptedUpstream(r -> ScriptedUpstream.Answer.closing("HTTP/1.1 101 Swi"));
                RawUpstream echo = new RawUpstream(RawUpstream.Mode.ECHO_FRAMES)) {
            route(partial.endpoint(), echo.endpoint());
            int refused = 0;
            for (int i = 0; i < 6; i++) {
                try (RawHttp client = new RawHttp(px.port())) {
                    client.send(RawHttp.upgradeRequest("/echo", "chat.example.com"));
                    int status = RawHttp.status(client.readHead());
                    assertThat(status).isIn(101, 502);
                    refused += status == 502 ? 1 : 0;
                }
            }
            assertThat(refused).isEqualTo(3).isEqualTo(partial.accepted.get());
            assertThat(echo.accepted).hasValue(3);
        }
    }
}

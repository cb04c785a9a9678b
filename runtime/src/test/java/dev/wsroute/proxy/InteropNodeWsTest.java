package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ExternalPeer;
import dev.wsroute.testing.InteropPeers;
import dev.wsroute.testing.ProxyHarness;
import io.vertx.core.json.JsonObject;

/**
 * npm ws client → wsroute → npm ws server. Both peers are strict (a corrupted, re-framed or truncated frame makes them
 * close 1002 or fail), so clean runs show the tunnel is transparent: compressed (RSV1) frames, a 1 MiB message, the
 * server's subprotocol choice and both directions of a Close with an application code and reason.
 */
class InteropNodeWsTest {
    static final Duration T = Duration.ofSeconds(15);
    ProxyHarness px;
    ExternalPeer server;
    ExternalPeer client;

    @BeforeEach
    void start() throws Exception {
        server = InteropPeers.node("ws-server.js");
        int port = server.await("listening", T).getInteger("port");
        px = new ProxyHarness(ProxySettings.defaults().withDrainPeriod(Duration.ofMillis(300)));
        px.routes(WebSocketProxyTest.simpleRoute("127.0.0.1:" + port));
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        if (px != null) {
            px.close();
        }
    }

    @Test
    void echoesTextBinaryAndOneMebibyteWithDeflateAndTheServersSubprotocol() throws Exception {
        client = InteropPeers.node("ws-client.js", px.ws("/echo/node"), "echo");

        JsonObject open = client.await("open", T);
        assertThat(open.getString("protocol")).as("subprotocol chosen by the ws server").isEqualTo("chat.v2");
        assertThat(open.getString("extensions")).as("client's negotiated extensions").startsWith("permessage-deflate");
        JsonObject serverOpen = server.await("open", T);
        assertThat(serverOpen.getString("path")).isEqualTo("/echo/node");
        assertThat(serverOpen.getString("protocol")).isEqualTo("chat.v2");
        assertThat(serverOpen.getString("offeredExtensions")).as("offer relayed upstream").contains("permessage-deflate");

        assertThat(client.await("text", T).getString("text")).isEqualTo("hello through wsroute");
        JsonObject binary = client.await("binary", T);
        assertThat(binary.getBoolean("binary")).isTrue();
        assertThat(binary.getString("hex")).isEqualTo("0001027f80feff");
        JsonObject big = client.await("big", T);
        assertThat(big.getBoolean("binary")).isTrue();
        assertThat(big.getInteger("length")).isEqualTo(1024 * 1024);
        assertThat(big.getBoolean("same")).as("1 MiB echoed byte for byte").isTrue();
        assertThat(server.find(e -> "message".equals(e.getString("event")) && e.getInteger("length") == 1024 * 1024)).isPresent();

        // the server closes with 4001 + reason: the client sees exactly that
        JsonObject closed = client.await("close", T);
        assertThat(closed.getInteger("code")).isEqualTo(4001);
        assertThat(closed.getString("reason")).isEqualTo("server says bye");
        assertThat(client.awaitExit(T)).isZero();
        // the client's answering Close reached the server
        assertThat(server.await("close", T).getInteger("code")).isEqualTo(4001);
        assertThat(client.event("error")).as("no protocol error on the client").isEmpty();
        assertThat(server.event("error")).as("no protocol error on the server").isEmpty();
    }

    @Test
    void aCloseStartedByTheClientReachesTheServerAndItsAnswerComesBack() throws Exception {
        client = InteropPeers.node("ws-client.js", px.ws("/echo/node"), "close");

        client.await("open", T);
        JsonObject atServer = server.await("close", T);
        assertThat(atServer.getInteger("code")).isEqualTo(4002);
        assertThat(atServer.getString("reason")).isEqualTo("client says bye");
        JsonObject atClient = client.await("close", T);
        assertThat(atClient.getInteger("code")).as("the server's answering Close").isEqualTo(4002);
        assertThat(client.awaitExit(T)).isZero();
        assertThat(client.event("error")).isEmpty();
        assertThat(server.event("error")).isEmpty();
    }
}

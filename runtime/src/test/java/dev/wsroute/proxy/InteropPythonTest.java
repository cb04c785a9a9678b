package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ExternalPeer;
import dev.wsroute.testing.InteropPeers;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Debian python3-websockets on either side of the proxy: its client against the Vert.x echo backend, and the JDK client
 * against its server. Echo, a ping answered by a pong through the tunnel, and messages split into several frames.
 */
class InteropPythonTest {
    static final Duration T = Duration.ofSeconds(60); // a bound against a hang on a loaded machine
    ProxyHarness px;
    ExternalPeer peer;
    Vertx vertx;
    EchoBackend echo;

    @AfterEach
    void stop() {
        if (peer != null) {
            peer.close();
        }
        if (px != null) {
            px.close();
        }
        if (echo != null) {
            echo.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    @Test
    void pythonClientThroughTheProxyToTheVertxEchoBackend() throws Exception {
        InteropPeers.requirePythonWebsockets();
        vertx = Vertx.vertx();
        echo = new EchoBackend(vertx, "vertx");
        px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "300ms"));
        px.routes(WebSocketProxyTest.simpleRoute(echo.endpoint()));

        peer = InteropPeers.python("py_client.py", px.ws("/echo/py"));

        assertThat(peer.await("open", T).getJsonArray("extensions").getList()).as("deflate negotiated with Vert.x").containsExactly("PerMessageDeflate");
        assertThat(peer.await("text", T).getString("text")).isEqualTo("hello from python");
        assertThat(peer.await("binary", T).getBoolean("same")).isTrue();
        assertThat(peer.await("pong", T).getBoolean("ok")).as("the client's ping got its pong through the proxy").isTrue();
        assertThat(peer.await("fragmented-text", T).getString("text")).isEqualTo("frag-1|frag-2|frag-3");
        JsonObject bin = peer.await("fragmented-binary", T);
        assertThat(bin.getInteger("length")).isEqualTo(210_000);
        assertThat(bin.getBoolean("same")).isTrue();
        JsonObject close = peer.await("close", T);
        assertThat(close.getInteger("code")).isEqualTo(1000);
        assertThat(peer.awaitExit(T)).as(peer.transcript()).isZero();
        assertThat(echo.upgrades.get()).isEqualTo(1);
    }

    @Test
    void jdkClientThroughTheProxyToThePythonServer() throws Exception {
        peer = InteropPeers.python("py_server.py");
        int port = peer.await("listening", T).getInteger("port");
        px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "300ms"));
        px.routes(WebSocketProxyTest.simpleRoute("127.0.0.1:" + port));

        LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<String> pongs = new LinkedBlockingQueue<>();
        CompletableFuture<String> closed = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30))
                .buildAsync(URI.create(px.ws("/echo/jdk")), new WebSocket.Listener() {
                    final StringBuilder text = new StringBuilder();
                    final java.io.ByteArrayOutputStream bin = new java.io.ByteArrayOutputStream();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            texts.add(text.toString());
                            text.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                        byte[] b = new byte[data.remaining()];
                        data.get(b);
                        bin.writeBytes(b);
                        if (last) {
                            binaries.add(bin.toByteArray());
                            bin.reset();
                        }
                        w.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onPong(WebSocket w, ByteBuffer data) {
                        pongs.add(StandardCharsets.UTF_8.decode(data).toString());
                        w.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                        closed.complete(code + " " + reason);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket w, Throwable error) {
                        closed.complete("error " + error);
                    }
                }).get(30, TimeUnit.SECONDS);
        try {
            ws.sendText("hello python server", true).get(30, TimeUnit.SECONDS);
            assertThat(texts.poll(30, TimeUnit.SECONDS)).isEqualTo("hello python server");

            ws.sendPing(ByteBuffer.wrap("jdk-ping".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            assertThat(pongs.poll(30, TimeUnit.SECONDS)).as("pong for the JDK client's ping").isEqualTo("jdk-ping");

            ws.sendText("part-1|", false).get(30, TimeUnit.SECONDS);
            ws.sendText("part-2|", false).get(30, TimeUnit.SECONDS);
            ws.sendText("part-3", true).get(30, TimeUnit.SECONDS);
            assertThat(texts.poll(30, TimeUnit.SECONDS)).isEqualTo("part-1|part-2|part-3");
            assertThat(peer.await(e -> "message".equals(e.getString("event")) && "part-1|part-2|part-3".equals(e.getString("text")),
                    "the reassembled fragmented message", T)).isNotNull();

            byte[] first = new byte[100_000];
            byte[] second = new byte[50_000];
            java.util.Arrays.fill(first, (byte) 1);
            java.util.Arrays.fill(second, (byte) 2);
            ws.sendBinary(ByteBuffer.wrap(first), false).get(30, TimeUnit.SECONDS);
            ws.sendBinary(ByteBuffer.wrap(second), true).get(30, TimeUnit.SECONDS);
            byte[] back = binaries.poll(30, TimeUnit.SECONDS);
            assertThat(back).hasSize(150_000);
            assertThat(back[0]).isEqualTo((byte) 1);
            assertThat(back[149_999]).isEqualTo((byte) 2);

            ws.sendClose(1000, "jdk done").get(30, TimeUnit.SECONDS);
            assertThat(closed.get(30, TimeUnit.SECONDS)).isEqualTo("1000 jdk done");
            JsonObject atServer = peer.await("close", T);
            assertThat(atServer.getInteger("code")).isEqualTo(1000);
            assertThat(atServer.getString("reason")).isEqualTo("jdk done");
        } finally {
            ws.abort();
        }
    }
}

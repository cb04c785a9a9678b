package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ExternalPeer;
import dev.wsroute.testing.InteropPeers;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import io.vertx.core.json.JsonObject;

/**
 * npm ws client → wsroute → npm ws server. Both peers are strict (a corrupted, re-framed or truncated frame makes them
 * close 1002 or fail), so clean runs show the tunnel is transparent: compressed (RSV1) frames, a 1 MiB message, the
 * server's subprotocol choice and both directions of a Close with an application code and reason.
 */
class InteropNodeWsTest {
    static final Duration T = Duration.ofSeconds(60); // a bound against a hang on a loaded machine
    ProxyHarness px;
    ExternalPeer server;
    ExternalPeer client;

    @BeforeEach
    void start() throws Exception {
        server = InteropPeers.node("ws-server.js");
        int port = server.await("listening", T).getInteger("port");
        px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "300ms"));
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

    /**
     * A hand-driven upstream for one connection: answers the upgrade with its 101 and {@code frames} in one write (one TCP
     * segment), optionally shuts its output (FIN) at once, then records what the client sends back (up to 8 bytes).
     */
    static final class OneShotUpstream implements AutoCloseable {
        final java.net.ServerSocket server;
        final java.util.concurrent.CompletableFuture<byte[]> clientReply = new java.util.concurrent.CompletableFuture<>();

        OneShotUpstream(byte[] frames, boolean shutdownOutput) throws java.io.IOException {
            server = new java.net.ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                try (java.net.Socket s = server.accept()) {
                    s.setSoTimeout(15_000);
                    String head = readHead(s.getInputStream());
                    String key = head.lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("sec-websocket-key:"))
                            .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElseThrow();
                    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                    all.writeBytes(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                            + accept(key) + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    all.writeBytes(frames);
                    s.getOutputStream().write(all.toByteArray());
                    s.getOutputStream().flush();
                    if (shutdownOutput) {
                        s.shutdownOutput();
                    }
                    clientReply.complete(s.getInputStream().readNBytes(8)); // a masked Close with a code: 2 + 4 + 2 bytes
                } catch (Exception e) {
                    clientReply.completeExceptionally(e);
                }
            }, "one-shot-upstream");
            t.setDaemon(true);
            t.start();
        }

        String endpoint() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        /** The first bytes the client sent after the 101, or what went wrong. */
        String reply() throws Exception {
            try {
                return java.util.HexFormat.of().formatHex(clientReply.get(15, java.util.concurrent.TimeUnit.SECONDS));
            } catch (java.util.concurrent.ExecutionException e) {
                return "failed: " + e.getCause();
            }
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
        }
    }

    /**
     * An upstream that writes its 101 and its first frames in one write (one TCP segment): the proxy must not lose the
     * bytes that follow the 101 head in the same read. The strict ws client must get both messages and the Close.
     */
    @Test
    void framesInTheSameSegmentAsThe101ReachTheClient() throws Exception {
        java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream();
        frames.writeBytes(new byte[] {(byte) 0x81, 8, 'g', 'r', 'e', 'e', 't', 'i', 'n', 'g'});
        frames.writeBytes(new byte[] {(byte) 0x81, 6, 's', 'e', 'c', 'o', 'n', 'd'});
        frames.writeBytes(new byte[] {(byte) 0x88, 5, 0x0f, (byte) 0xa5, 'b', 'y', 'e'}); // Close 4005 "bye"
        try (OneShotUpstream upstream = new OneShotUpstream(frames.toByteArray(), false)) {
            px.routes(WebSocketProxyTest.simpleRoute(upstream.endpoint()));

            client = InteropPeers.node("ws-client.js", px.ws("/echo/segment"), "listen");
            client.await("open", T);
            client.awaitCount(e -> "text".equals(e.getString("event")), 2, "two messages", T);
            assertThat(client.events()).filteredOn(e -> "text".equals(e.getString("event"))).extracting(e -> e.getString("text"))
                    .containsExactly("greeting", "second");
            JsonObject closed = client.await("close", T);
            assertThat(closed.getInteger("code")).isEqualTo(4005);
            assertThat(closed.getString("reason")).isEqualTo("bye");
            assertThat(upstream.reply()).as("the client's answering Close reached the upstream").startsWith("88");
            assertThat(client.event("error")).isEmpty();
        }
    }

    /**
     * The upstream sends Close and shuts its output at once (the mirror of a client's half-close): the ws client's
     * answering Close must still reach the upstream through the proxy, as it does when the client connects directly.
     */
    @Test
    void upstreamHalfCloseStillGetsTheClientsAnsweringClose() throws Exception {
        byte[] close = {(byte) 0x88, 6, 0x0f, (byte) 0xa6, 'h', 'a', 'l', 'f'}; // Close 4006 "half"
        String direct;
        try (OneShotUpstream upstream = new OneShotUpstream(close, true)) {
            client = InteropPeers.node("ws-client.js", "ws://" + upstream.endpoint() + "/echo/half", "listen");
            assertThat(client.await("close", T).getInteger("code")).isEqualTo(4006);
            direct = upstream.reply();
            client.close();
        }
        assertThat(direct).as("straight to the upstream, the ws client answers the Close").startsWith("88");
        try (OneShotUpstream upstream = new OneShotUpstream(close, true)) {
            px.routes(WebSocketProxyTest.simpleRoute(upstream.endpoint()));
            client = InteropPeers.node("ws-client.js", px.ws("/echo/half"), "listen");
            JsonObject closed = client.await("close", T);
            assertThat(closed.getInteger("code")).isEqualTo(4006);
            assertThat(closed.getString("reason")).isEqualTo("half");
            assertThat(upstream.reply()).as("through the proxy, the ws client's answering Close reaches the upstream").startsWith("88")
                    .hasSameSizeAs(direct);
        }
    }

    private static String readHead(java.io.InputStream in) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.EOFException(sb.toString());
            }
            sb.append((char) b);
        }
        return sb.toString();
    }

    private static String accept(String key) throws Exception {
        byte[] sha = java.security.MessageDigest.getInstance("SHA-1")
                .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return java.util.Base64.getEncoder().encodeToString(sha);
    }
}

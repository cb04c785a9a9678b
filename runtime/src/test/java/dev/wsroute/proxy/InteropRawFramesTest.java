package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.wsroute.testing.ExternalPeer;
import dev.wsroute.testing.InteropPeers;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;

/**
 * Hand-made frames through the proxy to strict servers (npm ws, python3-websockets, python3-autobahn). Each case is run twice: straight to
 * the server, and through wsroute; the bytes the raw client gets back (up to and including the server's Close) must be
 * identical. So the proxy neither interprets nor re-frames: the server sees the odd frames as sent (it answers 1002 or
 * 1007 itself) and its answers, Close included, reach the client unchanged rather than a Close of the proxy's own.
 */
class InteropRawFramesTest {
    static final Duration T = Duration.ofSeconds(60); // a bound against a hang on a loaded machine
    static final byte[] MASK = {0x37, (byte) 0xfa, 0x21, 0x3d};
    static final int FIN = 0x80;
    static final int RSV2 = 0x20;
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CONT = 0x0;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;

    ProxyHarness px;
    ExternalPeer server;
    int serverPort;

    void start(String peer) throws Exception {
        server = switch (peer) {
            case "node-ws" -> InteropPeers.node("ws-server.js");
            case "python-websockets" -> InteropPeers.python("py_server.py");
            case "python-autobahn" -> InteropPeers.autobahn("autobahn_server.py");
            default -> throw new IllegalArgumentException(peer);
        };
        serverPort = server.await("listening", T).getInteger("port");
        px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "300ms"));
        px.routes(WebSocketProxyTest.simpleRoute("127.0.0.1:" + serverPort));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (px != null) {
            px.close();
        }
    }

    /** One server frame as read: first byte (FIN, RSV, opcode) and payload; raw = the exact bytes on the wire. */
    record Frame(int b0, byte[] payload, byte[] raw) {
        int opcode() {
            return b0 & 0x0f;
        }

        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "Frame[" + HexFormat.of().formatHex(raw, 0, Math.min(raw.length, 40)) + (raw.length > 40 ? "…" : "") + "]";
        }
    }

    /** What one run got back: the frames up to the first Close, and whether the connection was ended after it. */
    record Result(List<Frame> frames, byte[] bytes, boolean eof) {
        Frame close() {
            return frames.get(frames.size() - 1);
        }
    }

    static byte[] frame(int b0, byte[] payload) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(b0);
        if (payload.length < 126) {
            f.write(0x80 | payload.length);
        } else {
            f.write(0x80 | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length & 0xff);
        }
        f.writeBytes(MASK);
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ MASK[i & 3]);
        }
        return f.toByteArray();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] closePayload(int code, String reason) {
        byte[] r = utf8(reason);
        return ByteBuffer.allocate(2 + r.length).putShort((short) code).put(r).array();
    }

    static Frame readFrame(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        int b0 = d.readUnsignedByte();
        int b1 = d.readUnsignedByte();
        raw.write(b0);
        raw.write(b1);
        assertThat(b1 & 0x80).as("server frames are not masked").isZero();
        long len = b1 & 0x7f;
        if (len == 126) {
            len = d.readUnsignedShort();
            raw.write((int) (len >>> 8));
            raw.write((int) (len & 0xff));
        } else if (len == 127) {
            len = d.readLong();
            raw.writeBytes(ByteBuffer.allocate(8).putLong(len).array());
        }
        assertThat(len).isLessThan(1 << 20);
        byte[] payload = new byte[(int) len];
        d.readFully(payload);
        raw.writeBytes(payload);
        return new Frame(b0, payload, raw.toByteArray());
    }

    /** A client script: writes frames, and may wait for some server frames before going on (so no race with its Close). */
    interface Sender {
        void send(Socket s, Reader r) throws IOException;
    }

    /** Reads server frames for a client script; every frame read is recorded. */
    static final class Reader {
        final Socket socket;
        final List<Frame> frames = new ArrayList<>();

        Reader(Socket socket) {
            this.socket = socket;
        }

        Frame next() throws IOException {
            Frame f = readFrame(socket.getInputStream());
            frames.add(f);
            return f;
        }

        void expect(int n) throws IOException {
            for (int i = 0; i < n; i++) {
                next();
            }
        }
    }

    /** Upgrades on a raw socket to the port, runs the sender, then reads frames up to the server's Close. */
    static Result exchange(int port, boolean oneByteWrites, boolean awaitEof, byte[] early, Sender sender) throws IOException {
        try (RawHttp raw = new RawHttp(port)) {
            raw.socket.setTcpNoDelay(true);
            raw.socket.setSoTimeout((int) T.toMillis());
            byte[] head0 = RawHttp.upgradeRequest("/echo/raw", "127.0.0.1").getBytes(StandardCharsets.US_ASCII);
            byte[] request = ByteBuffer.allocate(head0.length + early.length).put(head0).put(early).array(); // early: frames in the same write
            if (oneByteWrites) {
                for (byte b : request) {
                    raw.socket.getOutputStream().write(b);
                }
            } else {
                raw.send(request);
            }
            String head = raw.readHead();
            assertThat(RawHttp.status(head)).as(head).isEqualTo(101);
            assertThat(RawHttp.header(head, "sec-websocket-accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
            assertThat(RawHttp.header(head, "sec-websocket-extensions")).as("nothing was offered, so nothing negotiated").isNull();
            Reader reader = new Reader(raw.socket);
            sender.send(raw.socket, reader);
            while ((reader.frames.isEmpty() || reader.frames.get(reader.frames.size() - 1).opcode() != CLOSE) && reader.frames.size() < 50) {
                reader.next();
            }
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            reader.frames.forEach(f -> all.writeBytes(f.raw()));
            boolean eof = awaitEof && raw.closedByServer(); // within the socket timeout
            return new Result(List.copyOf(reader.frames), all.toByteArray(), eof);
        }
    }

    /** The case straight to the server, then through the proxy; asserts the two byte streams match and returns the proxied one. */
    Result bothWays(boolean oneByteWrites, Sender sender) throws IOException {
        return bothWays(oneByteWrites, false, sender);
    }

    Result bothWays(boolean oneByteWrites, boolean awaitEof, Sender sender) throws IOException {
        return bothWays(oneByteWrites, awaitEof, new byte[0], sender);
    }

    Result bothWays(boolean oneByteWrites, boolean awaitEof, byte[] early, Sender sender) throws IOException {
        Result direct = exchange(serverPort, oneByteWrites, awaitEof, early, sender);
        Result proxied = exchange(px.port(), oneByteWrites, awaitEof, early, sender);
        assertThat(proxied.eof()).as("connection ended after the Close, through the proxy as straight").isEqualTo(direct.eof());
        assertThat(proxied.frames()).extracting(Frame::toString).as("frames through the proxy vs straight from the server")
                .containsExactlyElementsOf(direct.frames().stream().map(Frame::toString).toList());
        assertThat(proxied.bytes()).as("bytes through the proxy vs straight from the server").isEqualTo(direct.bytes());
        return proxied;
    }

    static void write(Socket s, byte[]... frames) throws IOException {
        for (byte[] f : frames) {
            s.getOutputStream().write(f);
            s.getOutputStream().flush();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"node-ws", "python-websockets", "python-autobahn"})
    void fragmentsInterleavedWithPings(String peer) throws Exception {
        start(peer);
        Result r = bothWays(false, true, (s, in) -> {
            write(s,
                    frame(TEXT, utf8("Hel")),
                    frame(FIN | PING, utf8("p1")),
                    frame(CONT, utf8("lo, ")),
                    frame(FIN | PING, utf8("p2")),
                    frame(FIN | CONT, utf8("world")));
            in.expect(3); // two pongs and the echo
            write(s, frame(FIN | CLOSE, closePayload(1000, "done")));
        });
        List<Frame> f = r.frames();
        assertThat(f).hasSize(4);
        assertThat(f.get(0).b0()).isEqualTo(FIN | PONG);
        assertThat(f.get(0).text()).isEqualTo("p1");
        assertThat(f.get(1).b0()).isEqualTo(FIN | PONG);
        assertThat(f.get(1).text()).isEqualTo("p2");
        assertThat(f.get(2).b0()).isEqualTo(FIN | TEXT);
        assertThat(f.get(2).text()).isEqualTo("Hello, world");
        assertThat(r.close().closeCode()).isEqualTo(1000);
        assertThat(r.eof()).as("the connection ends after the close handshake").isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"node-ws", "python-websockets", "python-autobahn"})
    void aMessageWrittenOneByteAtATime(String peer) throws Exception {
        start(peer);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 300; i++) {
            sb.append("byte-by-byte ").append(i).append(' ');
        }
        String text = sb.toString();
        Result r = bothWays(true, (s, in) -> {
            for (byte b : frame(FIN | BINARY, utf8(text))) {
                s.getOutputStream().write(b); // TCP_NODELAY: one segment per byte
            }
            in.expect(1);
            for (byte b : frame(FIN | CLOSE, closePayload(1000, ""))) {
                s.getOutputStream().write(b);
            }
        });
        assertThat(r.frames()).hasSize(2);
        assertThat(r.frames().get(0).b0()).isEqualTo(FIN | BINARY);
        assertThat(r.frames().get(0).text()).isEqualTo(text);
        assertThat(r.close().closeCode()).isEqualTo(1000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"node-ws", "python-websockets", "python-autobahn"})
    void reservedBitsMakeTheServerClose1002AndThatCloseIsRelayed(String peer) throws Exception {
        start(peer);
        Result r = bothWays(false, (s, in) -> write(s, frame(FIN | RSV2 | TEXT, utf8("reserved bit set"))));
        assertThat(r.frames()).hasSize(1);
        assertThat(r.close().closeCode()).as("the strict server's Close").isEqualTo(1002);
        if (peer.equals("node-ws")) {
            // one for the direct run, one for the run through the proxy: the bad frame reached the server unchanged
            server.awaitCount(e -> "WS_ERR_UNEXPECTED_RSV_2_3".equals(e.getString("code")), 2, "RSV error", T);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"node-ws", "python-websockets", "python-autobahn"})
    void invalidUtf8MakesTheServerClose1007AndThatCloseIsRelayed(String peer) throws Exception {
        start(peer);
        Result r = bothWays(false, (s, in) -> write(s, frame(FIN | TEXT, new byte[] {'o', 'k', (byte) 0xc3, 0x28, (byte) 0xff})));
        assertThat(r.frames()).hasSize(1);
        assertThat(r.close().closeCode()).as("the strict server's Close").isEqualTo(1007);
        if (peer.equals("node-ws")) {
            server.awaitCount(e -> "WS_ERR_INVALID_UTF8".equals(e.getString("code")), 2, "invalid UTF-8 error", T);
        }
    }

    /**
     * Frames a strict server must reject with 1002, some of them ones a proxy that parses frames could trip over (a
     * Close with a 1-byte payload or a forbidden code, an oversized or fragmented control frame, a reserved opcode):
     * each reaches the server unchanged and the server's own Close comes back, byte for byte as without the proxy.
     */
    @ParameterizedTest
    @ValueSource(strings = {"node-ws", "python-websockets", "python-autobahn"})
    void malformedFramesAreTheServersToReject(String peer) throws Exception {
        start(peer);
        java.util.Map<String, byte[]> cases = new java.util.LinkedHashMap<>();
        cases.put("close with a 1-byte payload", frame(FIN | CLOSE, new byte[] {0x03}));
        cases.put("close with code 999", frame(FIN | CLOSE, closePayload(999, "")));
        cases.put("ping of 126 bytes", frame(FIN | PING, new byte[126]));
        cases.put("fragmented ping", frame(PING, utf8("x")));
        cases.put("reserved opcode 0x3", frame(FIN | 0x3, utf8("?")));
        cases.put("continuation without a start", frame(FIN | CONT, utf8("orphan")));
        for (var c : cases.entrySet()) {
            Result r = bothWays(false, (s, in) -> write(s, c.getValue()));
            assertThat(r.frames()).as(c.getKey()).hasSize(1);
            assertThat(r.close().closeCode()).as(c.getKey()).isEqualTo(1002);
        }
    }

    /** A frame in the same write as the upgrade request (before any 101) reaches the server, in order, before later ones. */
    @ParameterizedTest
    @ValueSource(strings = {"node-ws", "python-websockets", "python-autobahn"})
    void framesSentWithTheUpgradeRequestAreDelivered(String peer) throws Exception {
        start(peer);
        ByteArrayOutputStream early = new ByteArrayOutputStream();
        early.writeBytes(frame(FIN | TEXT, utf8("early-1")));
        early.writeBytes(frame(FIN | BINARY, utf8("early-2")));
        Result r = bothWays(false, true, early.toByteArray(), (s, in) -> {
            write(s, frame(FIN | TEXT, utf8("after-101")));
            in.expect(3);
            write(s, frame(FIN | CLOSE, closePayload(1000, "")));
        });
        assertThat(r.frames()).extracting(Frame::text).startsWith("early-1", "early-2", "after-101");
        assertThat(r.frames().get(1).b0()).isEqualTo(FIN | BINARY);
        assertThat(r.eof()).isTrue();
    }

    /** The client sends Close and shuts its output at once: the server's answering Close must still reach it. */
    @ParameterizedTest
    @ValueSource(strings = {"node-ws", "python-websockets", "python-autobahn"})
    void halfCloseAfterTheClientsCloseStillDeliversTheServersClose(String peer) throws Exception {
        start(peer);
        Result r = bothWays(false, true, (s, in) -> {
            write(s, frame(FIN | TEXT, utf8("last words")));
            in.expect(1);
            write(s, frame(FIN | CLOSE, closePayload(4003, "half-close")));
            s.shutdownOutput();
        });
        assertThat(r.frames()).hasSize(2);
        assertThat(r.frames().get(0).text()).isEqualTo("last words");
        // ws and websockets echo the client's code; autobahn answers with 1000 (either is allowed by RFC 6455 5.5.1)
        assertThat(r.close().closeCode()).as("the server's answering Close").isEqualTo(peer.equals("python-autobahn") ? 1000 : 4003);
        server.awaitCount(e -> "close".equals(e.getString("event")) && Integer.valueOf(4003).equals(e.getInteger("code"))
                && "half-close".equals(e.getString("reason")), 2, "close 4003 half-close", T);
        assertThat(r.eof()).as("the connection ends after the close handshake").isTrue();
    }
}

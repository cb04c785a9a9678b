package dev.wsroute.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * A hand-driven upstream for edge cases: it accepts and then, per mode, never answers; reads the request and closes
 * without an answer (a pod crashing mid-handshake); answers 101 and drops the
 * TCP connection without a Close frame (a crashed pod); or answers 101 and echoes short frames byte-exactly,
 * including frames that arrived in the same segment as the request head (which Vert.x's server drops).
 */
public final class RawUpstream implements AutoCloseable {
    public enum Mode { SILENT, CLOSE_BEFORE_ANSWER, ACCEPT_THEN_DIE, ECHO_FRAMES }

    private final ServerSocket server;
    private final Thread thread;
    /** Connections accepted so far; in SILENT mode they are held open until {@link #close()}. */
    public final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();

    public RawUpstream(Mode mode) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        thread = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    accepted.incrementAndGet();
                    if (mode == Mode.SILENT) {
                        held.add(s);
                    } else {
                        String head = readHead(s.getInputStream());
                        if (mode == Mode.CLOSE_BEFORE_ANSWER) {
                            s.close();
                            continue;
                        }
                        String key = head.lines().filter(l -> l.toLowerCase().startsWith("sec-websocket-key:"))
                                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("");
                        s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                + "Sec-WebSocket-Accept: " + accept(key) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        s.getOutputStream().flush();
                        if (mode == Mode.ECHO_FRAMES) {
                            echoFrames(s);
                            continue;
                        }
                        s.getInputStream().read(); // wait for the first client frame, then crash
                        s.setSoLinger(true, 0);
                        s.close();
                    }
                } catch (IOException e) {
                    return;
                }
            }
        }, "raw-upstream");
        thread.setDaemon(true);
        thread.start();
    }

    public String endpoint() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Unmasks each short client frame and sends it back unmasked, until the peer closes. */
    private static void echoFrames(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        while (true) {
            int b0 = in.read();
            int b1 = in.read();
            if (b0 < 0 || b1 < 0) {
                s.close();
                return;
            }
            int len = b1 & 0x7f;
            byte[] mask = in.readNBytes(4);
            byte[] payload = in.readNBytes(len);
            for (int i = 0; i < len; i++) {
                payload[i] ^= mask[i & 3];
            }
            s.getOutputStream().write(new byte[] {(byte) b0, (byte) len});
            s.getOutputStream().write(payload);
            s.getOutputStream().flush();
        }
    }

    static String accept(String key) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            sb.append((char) b);
        }
        return sb.toString();
    }

    /**
     * A port bound but never listened on, for the life of the test JVM: connections to it are refused. A port that
     * was merely freed could be taken by another socket, or become the source port of a connection to itself (TCP
     * self-connect), after enough connects to it (a storm test makes thousands).
     */
    public static String refusedEndpoint() throws IOException {
        Socket bound = new Socket();
        bound.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        REFUSING.add(bound);
        return "127.0.0.1:" + bound.getLocalPort();
    }

    private static final java.util.List<Socket> REFUSING = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void close() throws IOException {
        for (Socket s : held) {
            s.close();
        }
        server.close();
    }
}

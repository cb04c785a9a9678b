package dev.wsroute.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A raw socket for edge cases no polite client produces: exact bytes out, the response head (and body) back. */
public final class RawHttp implements AutoCloseable {
    public final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttp(int port) throws IOException {
        this(new Socket("127.0.0.1", port));
    }

    /** Over a socket already connected (a handshaken TLS socket, say). */
    public RawHttp(Socket connected) throws IOException {
        socket = connected;
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads a response head and, if it has a Content-Length, its body: "HTTP/1.1 404 ...\r\n...\r\n\r\nbody". */
    public String readResponse() throws IOException {
        String head = readHead();
        int cl = contentLength(head);
        byte[] body = in.readNBytes(Math.max(cl, 0));
        return head + new String(body, StandardCharsets.UTF_8);
    }

    public String readHead() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after: " + buf.toString(StandardCharsets.ISO_8859_1));
            }
            buf.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return buf.toString(StandardCharsets.ISO_8859_1);
    }

    /**
     * Reads from {@code in} up to and with the blank line that ends a head; what came before the end of the stream
     * when it ends first (empty: closed before a byte). For sockets the test drives itself, where EOF is an answer.
     */
    public static String head(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (!b.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    public byte[] readBytes(int n) throws IOException {
        return in.readNBytes(n);
    }

    /** Whether the server closed the connection (EOF) within the socket timeout. */
    public boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    public static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    public static String header(String response, String name) {
        for (String line : response.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static int contentLength(String head) {
        String v = header(head, "content-length");
        return v == null ? 0 : Integer.parseInt(v);
    }

    /** A client (masked) text frame. */
    public static byte[] maskedText(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(0x81);
        f.write(0x80 | payload.length); // tests keep payloads under 126 bytes
        f.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ mask[i & 3]);
        }
        return f.toByteArray();
    }

    /** A client (masked) Close frame with this code, whatever it is (RFC 6455 allows only some), and no reason. */
    public static byte[] maskedClose(int code) {
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        return new byte[] {(byte) 0x88, (byte) 0x82, mask[0], mask[1], mask[2], mask[3], (byte) ((code >> 8) ^ mask[0]),
                (byte) (code ^ mask[1])};
    }

    /** Reads one unmasked server frame with a short payload and returns [opcode, payload...]. */
    public byte[] readServerFrame() throws IOException {
        int b0 = in.read();
        int len = in.read() & 0x7f;
        if (len == 126) {
            len = (in.read() << 8) | in.read();
        }
        byte[] payload = in.readNBytes(len);
        byte[] out = new byte[payload.length + 1];
        out[0] = (byte) (b0 & 0x0f);
        System.arraycopy(payload, 0, out, 1, payload.length);
        return out;
    }

    public static String upgradeRequest(String path, String host, String... extraHeaders) {
        StringBuilder sb = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
        for (String h : extraHeaders) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

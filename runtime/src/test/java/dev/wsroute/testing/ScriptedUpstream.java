package dev.wsroute.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An HTTP/1.1 upstream on a real socket that answers each request with bytes the test writes, exactly: hostile
 * framings, 1xx heads, trailers, close-delimited bodies. It reads each request head and its body (Content-Length or
 * chunked) so that it can serve several requests on one connection, and it records what it read and how many
 * connections it accepted and saw closed by the proxy.
 */
public final class ScriptedUpstream implements AutoCloseable {
    /** What to write for a request, and whether to close the connection after (a close-delimited body ends so). */
    public record Answer(byte[] bytes, boolean close, java.util.concurrent.CountDownLatch gate, byte[] rest) {
        public static Answer of(String text) {
            return new Answer(text.getBytes(StandardCharsets.ISO_8859_1), false, null, null);
        }

        public static Answer closing(String text) {
            return new Answer(text.getBytes(StandardCharsets.ISO_8859_1), true, null, null);
        }

        /** {@code first}, then {@code rest} once the test opens the gate (so that they arrive in separate reads). */
        public static Answer inTwo(String first, java.util.concurrent.CountDownLatch gate, String rest) {
            return new Answer(first.getBytes(StandardCharsets.ISO_8859_1), false, gate, rest.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    /**
     * The head of one request as read, its body (de-chunked), the body's bytes as they came (chunk lines and trailers
     * included), and which accepted connection (1, 2, …) carried it.
     */
    public record Request(String head, String body, String framedBody, int connection) {
        public String requestLine() {
            return head.substring(0, head.indexOf("\r\n"));
        }
    }

    public final List<Request> requests = new CopyOnWriteArrayList<>();
    public final AtomicInteger accepted = new AtomicInteger();
    /** Connections the proxy closed (EOF read where a request head would start). */
    public final AtomicInteger closedByProxy = new AtomicInteger();
    private final ServerSocket server;
    private volatile Function<Request, Answer> script;

    public ScriptedUpstream(Function<Request, Answer> script) throws IOException {
        this.script = script;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "scripted-upstream");
        t.setDaemon(true);
        t.start();
    }

    /** How many connections carried the requests recorded so far. */
    public long connectionsUsed() {
        return requests.stream().mapToInt(Request::connection).distinct().count();
    }

    public void script(Function<Request, Answer> script) {
        this.script = script;
    }

    public String endpoint() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** A routes file sending plain HTTP for host {@code up.test} here. */
    public String routes() {
        return TestRoutes.plainHttp("up", "up.test", endpoint());
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                int id = accepted.incrementAndGet();
                Thread t = new Thread(() -> serve(s, id), "scripted-upstream-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, int id) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    closedByProxy.incrementAndGet();
                    return;
                }
                ByteArrayOutputStream framed = new ByteArrayOutputStream();
                String body = readBody(new TeeInput(in, framed), head);
                Request r = new Request(head, body, framed.toString(StandardCharsets.ISO_8859_1), id);
                requests.add(r);
                Answer a = script.apply(r);
                out.write(a.bytes());
                out.flush();
                if (a.gate() != null) {
                    try {
                        a.gate().await(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    out.write(a.rest());
                    out.flush();
                }
                if (a.close()) {
                    return;
                }
            }
        } catch (IOException e) {
            closedByProxy.incrementAndGet(); // reset
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            b.write(c);
            matched = c == "\r\n\r\n".charAt(matched) ? matched + 1 : c == '\r' ? 1 : 0;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static String readBody(InputStream in, String head) throws IOException {
        String cl = RawHttp.header(head, "content-length");
        if (cl != null) {
            return new String(in.readNBytes(Integer.parseInt(cl)), StandardCharsets.ISO_8859_1);
        }
        if (!"chunked".equalsIgnoreCase(RawHttp.header(head, "transfer-encoding"))) {
            return "";
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(in);
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                while (!readLine(in).isEmpty()) {
                    // trailers
                }
                return body.toString(StandardCharsets.ISO_8859_1);
            }
            body.write(in.readNBytes(size));
            readLine(in);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) != '\n';) {
            if (c < 0) {
                throw new IOException("closed mid-body");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    /** Copies what is read from a stream: a body's bytes as they came. */
    private static final class TeeInput extends java.io.FilterInputStream {
        private final ByteArrayOutputStream copy;

        TeeInput(InputStream in, ByteArrayOutputStream copy) {
            super(in);
            this.copy = copy;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0) {
                copy.write(c);
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                copy.write(b, off, n);
            }
            return n;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}

package dev.wsroute.proxy;

import static dev.wsroute.testing.RawHttp.header;
import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;

import dev.wsroute.proxy.RequestBodyTimeoutTest.Upstream;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TestRoutes;
import dev.wsroute.testing.TlsClients;

/**
 * An answer that comes while the client is still uploading its request body (an upstream's early 413) ends the
 * client connection, since the rest of the body is never read: the answer says so ({@code Connection: close}), and
 * the proxy then closes as nginx's lingering close does: it shuts its sending side, reads and drops what the client
 * still sends for a bounded time and amount, then closes. Before, the answer had no {@code Connection: close} and the
 * proxy closed the socket at once, with the client's bytes unread: the kernel answers those with a reset, and a
 * client still writing could see "connection reset" instead of the 413.
 */
class EarlyAnswerCloseTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final byte[] TOO_LARGE = "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 9\r\n\r\ntoo large".getBytes(StandardCharsets.US_ASCII);

    /** Answers 413 as soon as the head is in, then reads (and drops) whatever comes until the proxy closes. */
    static Upstream early413() throws IOException {
        return new Upstream((s, in) -> {
            RawHttp.head(in);
            s.getOutputStream().write(TOO_LARGE);
            in.transferTo(OutputStream.nullOutputStream());
        });
    }

    @Test
    void aClientStillUploadingReadsTheWholeEarly413WithConnectionCloseAndThenAnOrderlyEnd() throws Exception {
        try (Upstream up = early413(); ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.limits.lingering-timeout", "10m"))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (Socket s = new Socket("127.0.0.1", px.port()); Writer writer = new Writer(s, 2 << 20)) {
                s.setSoTimeout(30_000);
                InputStream in = s.getInputStream();
                String head = RawHttp.head(in);
                assertThat(status(head)).as(head).isEqualTo(413);
                assertThat(header(head, "connection")).as(head).isEqualToIgnoringCase("close");
                assertThat(new String(in.readNBytes(9), StandardCharsets.US_ASCII)).isEqualTo("too large");
                assertThat(in.read()).as("the proxy's end of sending: a FIN, not a reset").isEqualTo(-1);
                writer.stop();
                assertThat(writer.failure()).as("the client's writes were read, not reset").isNull();
                assertThat(px.clientConnections()).as("the proxy still reads what the client sends").isEqualTo(1.0);
                s.shutdownOutput(); // the client is done: the proxy closes
                await().atMost(WAIT).until(() -> px.clientConnections() == 0);
            }
        }
    }

    /** wsroute's own 413 for a Content-Length over the limit, answered from the head: the same close. */
    @Test
    void aClientUploadingTooLargeABodyReadsTheWhole413AndThenAnOrderlyEnd() throws Exception {
        try (ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.limits.lingering-timeout", "10m",
                "wsroute.limits.max-request-body-size", "1M"))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", "127.0.0.1:1"));
            try (Socket s = new Socket("127.0.0.1", px.port()); Writer writer = new Writer(s, 2 << 20)) {
                RawHttp client = new RawHttp(s);
                String answer = client.readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(413);
                assertThat(header(answer, "connection")).as(answer).isEqualToIgnoringCase("close");
                assertThat(s.getInputStream().read()).as("the proxy's end of sending: a FIN, not a reset").isEqualTo(-1);
                writer.stop();
                assertThat(writer.failure()).as("the client's writes were read, not reset").isNull();
                assertThat(px.clientConnections()).as("the proxy still reads what the client sends").isEqualTo(1.0);
                s.shutdownOutput();
                await().atMost(WAIT).until(() -> px.clientConnections() == 0);
            }
        }
    }

    /** Over TLS the proxy's end of sending is a close_notify: the client reads the whole 413, then the end. */
    @Test
    void overTlsTheClientReadsTheWholeEarly413AndThenTheEnd() throws Exception {
        TestCertificates.Authority ca = TestCertificates.authority("lingering CA");
        try (Upstream up = early413(); ProxyHarness px = new ProxyHarness(TestConfig.withTls("wsroute.limits.lingering-timeout", "10m"))) {
            px.routesWithSecrets(TestRoutes.httpOverTls(up.endpoint(), ca));
            try (SSLSocket s = TlsClients.connect(ca.clientSslContext(), px.dataPlane.tlsPort(), "localhost");
                    Writer writer = new Writer(s, "localhost", 2 << 20)) {
                s.setSoTimeout(30_000);
                InputStream in = s.getInputStream();
                String head = RawHttp.head(in);
                assertThat(status(head)).as(head).isEqualTo(413);
                assertThat(header(head, "connection")).as(head).isEqualToIgnoringCase("close");
                assertThat(new String(in.readNBytes(9), StandardCharsets.US_ASCII)).isEqualTo("too large");
                assertThat(in.read()).as("the proxy's end of sending: close_notify and a FIN, not a reset").isEqualTo(-1);
                writer.stop(); // the JDK may close its own side on the close_notify: the writer's end is not checked
            }
            await().atMost(WAIT).until(() -> px.clientConnections() == 0);
        }
    }

    @Test
    void aClientThatGoesQuietAfterTheEarlyAnswerIsClosedAfterTheLingeringTimeout() throws Exception {
        try (Upstream up = early413(); ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.limits.lingering-timeout", "1s"))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                String answer = client.send("POST /upload HTTP/1.1\r\nHost: up.test\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(10)).readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(413);
                assertThat(header(answer, "connection")).isEqualToIgnoringCase("close");
                assertThat(client.closedByServer()).isTrue();
                // and nothing more is sent: the proxy closes after the lingering timeout
                await().atMost(WAIT).until(() -> px.clientConnections() == 0);
            }
        }
    }

    @Test
    void aClientThatNeverStopsUploadingIsClosedAtTheLingeringBound() throws Exception {
        try (Upstream up = early413(); ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.limits.lingering-timeout", "10m",
                "wsroute.limits.lingering-time", "10m"))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (Socket s = new Socket("127.0.0.1", px.port()); Writer writer = new Writer(s, Long.MAX_VALUE)) {
                s.setSoTimeout(30_000);
                String head = RawHttp.head(s.getInputStream());
                assertThat(status(head)).as(head).isEqualTo(413);
                // it writes on as fast as it can: the proxy drops a bounded amount and closes
                await().atMost(WAIT).until(() -> px.clientConnections() == 0);
                await().atMost(WAIT).until(() -> writer.failure() != null);
            }
        }
    }

    /**
     * A lingering close is over when the listeners close at shutdown: the proxy has answered and only drops what the
     * client still sends. Before, its deadline had nothing to do then and it lasted its whole lingering time (30 s by
     * default, 10 minutes here) into the shutdown. An upload in progress goes on to its answer.
     */
    @Test
    void aLingeringCloseEndsWhenTheListenersCloseAndAnUploadInProgressStillGetsItsAnswer() throws Exception {
        Upstream up = new Upstream((s, in) -> {
            String head = RawHttp.head(in);
            if (head.startsWith("POST /early")) {
                s.getOutputStream().write(TOO_LARGE);
                in.transferTo(OutputStream.nullOutputStream());
                return;
            }
            in.readNBytes(10);
            s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
            in.transferTo(OutputStream.nullOutputStream());
        });
        try (up; dev.wsroute.testing.EchoBackend backend = dev.wsroute.testing.EchoBackend.named("app");
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "10m",
                        "wsroute.limits.lingering-timeout", "10m", "wsroute.limits.lingering-time", "10m",
                        "wsroute.limits.request-body-timeout", "10m"))) {
            px.routes("""
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: web, namespace: default}
                    spec:
                      rules:
                        - match: {path: {value: /ws}}
                          backends: [{endpoints: ["%s"]}]
                      http:
                        backends: [{endpoints: ["%s"]}]
                    """.formatted(backend.endpoint(), up.endpoint()));
            try (dev.wsroute.testing.WsClient ws = dev.wsroute.testing.WsClient.connect(px.port(), "/ws"); // keeps the drain going
                    RawHttp lingering = new RawHttp(px.port()); RawHttp uploading = new RawHttp(px.port())) {
                assertThat(ws.roundTrip("hi")).isEqualTo("app:hi");
                lingering.socket.setSoTimeout(30_000);
                uploading.socket.setSoTimeout(30_000);
                String answer = lingering.send("POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(10)).readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(413);
                assertThat(lingering.closedByServer()).as("the proxy's FIN: its lingering close").isTrue();
                uploading.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nxxxxx");
                await().atMost(WAIT).until(() -> up.sockets.size() == 2); // the upload's request reached its upstream
                assertThat(px.clientConnections()).isEqualTo(3.0);

                px.dataPlane.leave(); // SIGTERM, then the delay's end while the WebSocket drains
                java.util.concurrent.CompletableFuture<Void> stopped = java.util.concurrent.CompletableFuture.runAsync(px::close);
                await("the lingering close ends with the listeners").atMost(Duration.ofSeconds(30)).until(() -> px.clientConnections() == 2);
                assertThat(stopped).isNotDone();

                String done = uploading.send("yyyyy").readResponse();
                assertThat(status(done)).as(done).isEqualTo(200);
                ws.sendClose(); // the drain is over
                stopped.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    /** Writes a body of 100 MB (under the default limit) in 16 KiB pieces on a thread of its own until stopped, {@code most} bytes sent or the socket fails. */
    static final class Writer implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicReference<IOException> failed = new AtomicReference<>();
        private final AtomicLong sent = new AtomicLong();
        private final Thread thread;

        Writer(Socket s, long most) throws IOException {
            this(s, "up.test", most);
        }

        Writer(Socket s, String host, long most) throws IOException {
            OutputStream out = s.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 100000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] piece = new byte[16 * 1024];
            thread = new Thread(() -> {
                try {
                    while (!stop.get() && sent.get() < most) {
                        out.write(piece);
                        sent.addAndGet(piece.length);
                    }
                } catch (IOException e) {
                    failed.set(e);
                }
            }, "uploader");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(60_000);
            assertThat(thread.isAlive()).as("the writer stopped").isFalse();
        }

        IOException failure() {
            return failed.get();
        }

        long sent() {
            return sent.get();
        }

        /** Whether it has stopped (sent what it was to send, or failed). */
        boolean done() {
            return !thread.isAlive();
        }

        @Override
        public void close() {
            stop.set(true);
        }
    }
}

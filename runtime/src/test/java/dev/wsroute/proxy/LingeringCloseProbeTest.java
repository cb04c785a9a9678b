package dev.wsroute.proxy;

import static dev.wsroute.testing.RawHttp.header;
import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import javax.net.ssl.SSLSocket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import dev.wsroute.proxy.RequestBodyTimeoutTest.Upstream;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;
import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TlsClients;

/**
 * Edges of the close after an early answer (an answer that starts before the request body is all read): the body
 * ending before the answer does, a request pipelined behind it, a FIN while the answer is still going out, a reset
 * while lingering, a 417 to {@code Expect: 100-continue}, a chunked upload. See {@link EarlyAnswerCloseTest}.
 */
class LingeringCloseProbeTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    /** Lingering bounds far beyond the waits: a connection closed within a wait was not closed by them. */
    static final String[] LONG_LINGER = { "wsroute.limits.lingering-timeout", "10m", "wsroute.limits.lingering-time", "10m" };

    private static double requests(ProxyHarness px) {
        return px.metrics.find("wsroute.http.requests").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /**
     * The upstream's 413 head comes before the body ends; the client then sends the rest of the body and a request
     * pipelined behind it. The answer said close: the client reads it all and the end, the pipelined request is not
     * served, the answer is counted once, and the close lingers (a request was pipelined) until the client's FIN.
     */
    @Test
    void anEarlyAnswerWhoseBodyEndsFirstClosesAfterItAndServesNoPipelinedRequest() throws Exception {
        AtomicBoolean secondServed = new AtomicBoolean();
        CountDownLatch headSent = new CountDownLatch(1);
        Upstream up = new Upstream((s, in) -> {
            OutputStream out = s.getOutputStream();
            while (true) {
                String head = RawHttp.head(in);
                if (head.isEmpty()) {
                    return;
                }
                if (head.startsWith("GET /second")) {
                    secondServed.set(true);
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                    continue;
                }
                out.write("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 9\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                headSent.countDown();
                in.readNBytes(20); // the whole body, then the rest of the answer
                out.write("too large".getBytes(StandardCharsets.US_ASCII));
            }
        });
        try (up; ProxyHarness px = new ProxyHarness(TestConfig.wsroute(LONG_LINGER))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                client.socket.setSoTimeout(30_000);
                client.send("POST /upload HTTP/1.1\r\nHost: up.test\r\nContent-Length: 20\r\n\r\n" + "x".repeat(10));
                String head = client.readHead();
                assertThat(status(head)).as(head).isEqualTo(413);
                assertThat(header(head, "connection")).as(head).isEqualToIgnoringCase("close");
                client.send("y".repeat(10) + "GET /second HTTP/1.1\r\nHost: up.test\r\n\r\n");
                assertThat(new String(client.readBytes(9), StandardCharsets.US_ASCII)).isEqualTo("too large");
                assertThat(client.socket.getInputStream().read()).as("the end, a FIN").isEqualTo(-1);
                assertThat(px.clientConnections()).as("lingering: a pipelined request was unread").isEqualTo(1.0);
                client.socket.shutdownOutput();
                await().atMost(WAIT).until(() -> px.clientConnections() == 0);
            }
            assertThat(secondServed).as("the request pipelined behind the body").isFalse();
            assertThat(requests(px)).as("the early answer, counted once").isEqualTo(1.0);
            assertThat(px.metrics.get("wsroute.http.requests").tag("status", "413").counter().count()).isEqualTo(1.0);
        }
    }

    /**
     * As above, with a long answer and more requests pipelined behind the body than the proxy queues (64): the
     * proxy stops reading, so at its close the rest of them are unread. A plain close then resets the connection,
     * and the kernel drops the part of the answer not yet sent: the client read a cut answer and "connection
     * reset". The close lingers instead (the answer goes out whole, then the FIN; what comes is dropped).
     */
    @Test
    void anEarlyAnswerWithManyRequestsPipelinedBehindTheBodyGoesOutWhole() throws Exception {
        int length = 8 << 20;
        Upstream up = new Upstream((s, in) -> {
            OutputStream out = s.getOutputStream();
            RawHttp.head(in);
            out.write(("HTTP/1.1 413 Payload Too Large\r\nContent-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            in.readNBytes(20); // the whole body, then the rest of the answer
            byte[] piece = new byte[64 * 1024];
            for (int sent = 0; sent < length; sent += piece.length) {
                out.write(piece);
            }
            in.transferTo(OutputStream.nullOutputStream());
        });
        try (up; ProxyHarness px = new ProxyHarness(TestConfig.wsroute(LONG_LINGER))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (java.net.Socket s = new java.net.Socket()) {
                s.setReceiveBufferSize(16 * 1024); // the answer waits in the proxy's send buffer
                s.connect(new java.net.InetSocketAddress("127.0.0.1", px.port()));
                RawHttp client = new RawHttp(s);
                s.setSoTimeout(30_000);
                client.send("POST /upload HTTP/1.1\r\nHost: up.test\r\nContent-Length: 20\r\n\r\n" + "x".repeat(10));
                String head = client.readHead();
                assertThat(status(head)).as(head).isEqualTo(413);
                assertThat(header(head, "connection")).as(head).isEqualToIgnoringCase("close");
                client.send("y".repeat(10));
                byte[] pipelined = "GET /next HTTP/1.1\r\nHost: up.test\r\n\r\n".repeat(50_000).getBytes(StandardCharsets.US_ASCII);
                Thread pipelining = new Thread(() -> {
                    try {
                        s.getOutputStream().write(pipelined); // more than the proxy reads before it stops reading
                    } catch (java.io.IOException e) {
                        // a reset: the answer's reader says what that did
                    }
                }, "pipelining");
                pipelining.setDaemon(true);
                pipelining.start();
                InputStream in = s.getInputStream();
                byte[] buf = new byte[64 * 1024];
                long read = 0;
                for (int n; read < length && (n = in.read(buf)) >= 0;) {
                    read += n;
                }
                assertThat(read).as("the whole answer").isEqualTo(length);
                assertThat(in.read()).as("then the end, a FIN").isEqualTo(-1);
                pipelining.join(60_000);
                s.shutdownOutput();
                await().atMost(WAIT).until(() -> px.clientConnections() == 0);
            }
            assertThat(requests(px)).as("the early answer only").isEqualTo(1.0);
        }
    }

    /** A client that resets while the proxy lingers: the connection is gone at once. */
    @Test
    void aClientThatResetsWhileLingeringIsClosed() throws Exception {
        try (Upstream up = EarlyAnswerCloseTest.early413(); ProxyHarness px = new ProxyHarness(TestConfig.wsroute(LONG_LINGER))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            RawHttp client = new RawHttp(px.port());
            String answer = client.send("POST /upload HTTP/1.1\r\nHost: up.test\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(10)).readResponse();
            assertThat(status(answer)).as(answer).isEqualTo(413);
            assertThat(client.closedByServer()).as("the proxy's FIN").isTrue();
            assertThat(px.clientConnections()).as("lingering").isEqualTo(1.0);
            client.send("more of the body");
            client.socket.setSoLinger(true, 0);
            client.close(); // a reset
            await().atMost(WAIT).until(() -> px.clientConnections() == 0);
            assertThat(requests(px)).as("the early answer, counted once").isEqualTo(1.0);
        }
    }

    /**
     * {@code Expect: 100-continue}, and the upstream answers 417 without a 100: the client reads it with
     * {@code Connection: close} and the end; the connection closes with the client's FIN.
     */
    @Test
    void anUploadAnsweredEarlyWith417ToItsExpectContinueEndsWithTheClientsFin() throws Exception {
        Upstream up = new Upstream((s, in) -> {
            RawHttp.head(in);
            s.getOutputStream().write("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 4\r\n\r\nnope".getBytes(StandardCharsets.US_ASCII));
            in.transferTo(OutputStream.nullOutputStream());
        });
        try (up; ProxyHarness px = new ProxyHarness(TestConfig.wsroute(LONG_LINGER))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                String answer = client.send("PUT /f HTTP/1.1\r\nHost: up.test\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n\r\n").readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(417);
                assertThat(header(answer, "connection")).as(answer).isEqualToIgnoringCase("close");
                assertThat(answer).endsWith("nope");
                assertThat(client.closedByServer()).as("the proxy's FIN").isTrue();
                client.socket.shutdownOutput();
                await().atMost(WAIT).until(() -> px.clientConnections() == 0);
            }
        }
    }

    /** An early 413 to a chunked upload: the chunks that still come are dropped, and the client's FIN ends it. */
    @Test
    void anEarlyAnswerToAChunkedUploadEndsWithTheClientsFin() throws Exception {
        try (Upstream up = EarlyAnswerCloseTest.early413(); ProxyHarness px = new ProxyHarness(TestConfig.wsroute(LONG_LINGER))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                String answer = client.send("POST /upload HTTP/1.1\r\nHost: up.test\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n").readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(413);
                assertThat(header(answer, "connection")).as(answer).isEqualToIgnoringCase("close");
                assertThat(client.closedByServer()).as("the proxy's FIN").isTrue();
                ByteArrayOutputStream more = new ByteArrayOutputStream();
                for (int i = 0; i < 1000; i++) {
                    more.writeBytes("a\r\n0123456789\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                client.send(more.toByteArray()).send("0\r\n\r\n");
                assertThat(px.clientConnections()).as("lingering").isEqualTo(1.0);
                client.socket.shutdownOutput();
                await().atMost(WAIT).until(() -> px.clientConnections() == 0);
                assertThat(requests(px)).isEqualTo(1.0);
            }
        }
    }

    /**
     * Over TLS, a client that keeps sending after the early answer's close_notify and FIN: the proxy drops what it
     * sends (decrypted, as over plain TCP) up to the byte bound and closes; the client read the whole answer first.
     */
    @Test
    void overTlsAClientThatKeepsSendingWhileLingeringIsClosedAtTheByteBound() throws Exception {
        TestCertificates.Authority ca = TestCertificates.authority("lingering CA");
        try (Upstream up = EarlyAnswerCloseTest.early413(); ProxyHarness px = new ProxyHarness(TestConfig.withTls(LONG_LINGER))) {
            px.routesWithSecrets(TestRoutes.httpOverTls(up.endpoint(), ca));
            try (SSLSocket s = TlsClients.connect(ca.clientSslContext(), px.dataPlane.tlsPort(), "localhost");
                    EarlyAnswerCloseTest.Writer writer = new EarlyAnswerCloseTest.Writer(s, "localhost", 64 << 20)) {
                s.setSoTimeout(30_000);
                InputStream in = s.getInputStream();
                String head = RawHttp.head(in);
                assertThat(status(head)).as(head).isEqualTo(413);
                assertThat(new String(in.readNBytes(9), StandardCharsets.US_ASCII)).isEqualTo("too large");
                assertThat(in.read()).as("close_notify and FIN").isEqualTo(-1);
                // the writer goes on (the JDK sends after a close_notify in TLS 1.3) until the proxy closes at the bound
                await().atMost(WAIT).until(() -> px.clientConnections() == 0);
                await().atMost(WAIT).until(() -> writer.failure() != null || writer.done());
                assertThat(writer.sent()).as("what it sent after the answer was read and dropped, to the bound").isGreaterThan(ClientRequestReceiver.LINGER_MAX_BYTES);
            }
            assertThat(requests(px)).isEqualTo(1.0);
        }
    }
}

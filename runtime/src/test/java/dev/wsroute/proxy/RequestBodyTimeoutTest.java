package dev.wsroute.proxy;

import static dev.wsroute.testing.RawHttp.header;
import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.wsroute.testing.LogLines;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;

/**
 * The upload of a plain HTTP request body has its own deadline, {@code wsroute.limits.request-body-timeout}: the longest
 * the client may go without sending a byte of a body that is not complete (nginx's {@code client_body_timeout}), and
 * the response timeout counts from the request's end. Before, the response timeout ran from the request head, so a
 * slow but steady upload longer than it got 504, and an upload that stopped was bounded by nothing else.
 * <p>
 * No test sleeps: time passes while a "clock" request waits for a timeout the test knows the length of (a GET to a
 * silent upstream gets its 504 after the response timeout, an upload that stops gets its 408 after the body timeout).
 */
class RequestBodyTimeoutTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final byte[] OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);

    @Test
    void anUploadThatKeepsSendingForLongerThanTheResponseTimeoutGetsItsAnswer() throws Exception {
        AtomicLong received = new AtomicLong();
        try (Upstream up = new Upstream((s, in) -> {
            int length = contentLength(RawHttp.head(in));
            for (int i = 0; i < length && in.read() >= 0; i++) {
                received.incrementAndGet();
            }
            s.getOutputStream().write(OK);
            in.read(); // parked by the proxy until it closes
        }); Upstream silent = Upstream.silent();
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.upstream.response-timeout", "1s",
                        "wsroute.limits.request-body-timeout", "30s"))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()) + "---\n" + TestRoutes.plainHttp("silent", "silent.test", silent.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                client.send(post("up.test", 30) + "a".repeat(10));
                await().atMost(WAIT).until(() -> received.get() == 10); // the head is upstream
                assertThat(responseTimeoutPassed(px)).isEqualTo(504);
                sendOn(client, "b".repeat(10));
                await().atMost(WAIT).until(() -> received.get() == 20);
                assertThat(responseTimeoutPassed(px)).isEqualTo(504); // two response timeouts since the head went upstream
                sendOn(client, "c".repeat(10));
                String answer = client.readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(200);
                assertThat(received.get()).isEqualTo(30);
            }
        }
    }

    @Test
    void anUploadThatStopsMidBodyGets408AndItsUpstreamConnectionIsClosed() throws Exception {
        AtomicLong received = new AtomicLong();
        CountDownLatch upstreamClosed = new CountDownLatch(1);
        try (LogLines access = LogLines.of(AccessLogOutput.CATEGORY); Upstream up = new Upstream((s, in) -> {
            try {
                RawHttp.head(in);
                while (in.read() >= 0) {
                    received.incrementAndGet();
                }
            } finally {
                upstreamClosed.countDown();
            }
        }); ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.limits.request-body-timeout", "1s"))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                String answer = client.send(post("up.test", 100) + "x".repeat(10)).readResponse(); // and then nothing
                assertThat(status(answer)).as(answer).isEqualTo(408);
                assertThat(header(answer, "connection")).isEqualToIgnoringCase("close");
                assertThat(client.closedByServer()).isTrue();
            }
            assertThat(upstreamClosed.await(60, TimeUnit.SECONDS)).as("the upstream connection, with its partial request, closed").isTrue();
            assertThat(received.get()).as("the body's bytes that came were passed on").isEqualTo(10);
            assertThat(px.metrics.get("wsroute.http.requests").tag("route", "default/up").tag("status", "408").counter().count()).isEqualTo(1.0);
            await().atMost(WAIT).untilAsserted(() -> assertThat(access.lines()).anySatisfy(l -> assertThat(l).contains(
                    "method=POST host=up.test uri=/upload route=default/up endpoint=" + up.endpoint() + " status=408 duration_ms=",
                    " reason=\"request body stalled\"")));
        }
    }

    /** An upstream may answer before the body is complete; a client that then stops sending is cut off, both ways. */
    /**
     * The body's wait counts from its last byte as it came, not from the sweep before it: each upload's last bytes go at
     * their own moment of a sweep period, and no 408 may come before their send time plus the timeout (a sound lower
     * bound: the proxy reads them after they are sent). It counted from the last sweep's time, up to 250 ms before the
     * read, so most of these 408s came early.
     */
    @Test
    void the408NeverComesBeforeTheTimeoutAfterTheLastByte() throws Exception {
        int n = 40;
        AtomicLong received = new AtomicLong();
        java.util.concurrent.ExecutorService readers = java.util.concurrent.Executors.newFixedThreadPool(n);
        try (Upstream up = new Upstream((s, in) -> {
            RawHttp.head(in);
            while (in.read() >= 0) {
                received.incrementAndGet();
            }
        }); ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.limits.request-body-timeout", "1s"))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            List<RawHttp> clients = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    clients.add(new RawHttp(px.port()).send(post("up.test", 100) + "x".repeat(5)));
                }
                await().atMost(WAIT).until(() -> received.get() == 5L * n); // every upload under way
                List<java.util.concurrent.Future<Long>> answered = new java.util.ArrayList<>();
                for (RawHttp c : clients) {
                    c.socket.setSoTimeout(30_000);
                    answered.add(readers.submit(() -> {
                        assertThat(status(c.readResponse())).isEqualTo(408);
                        return System.nanoTime();
                    }));
                }
                long[] sent = new long[n];
                long spread = TimeUnit.MILLISECONDS.toNanos(300) / n;
                for (int i = 0; i < n; i++) { // paced, not timed: each last byte at another moment of the sweep period
                    sent[i] = System.nanoTime();
                    clients.get(i).send("y".repeat(5));
                    java.util.concurrent.locks.LockSupport.parkNanos(spread);
                }
                long timeout = Duration.ofSeconds(1).toNanos();
                int early = 0;
                for (int i = 0; i < n; i++) {
                    if (answered.get(i).get(60, TimeUnit.SECONDS) - sent[i] < timeout) {
                        early++;
                    }
                }
                assertThat(early).as("408s before 1 s after the last byte, of " + n).isZero();
            } finally {
                for (RawHttp c : clients) {
                    c.close();
                }
            }
        } finally {
            readers.shutdownNow();
        }
    }

    @Test
    void anUploadThatStopsAfterItsAnswerStartedClosesBothConnections() throws Exception {
        CountDownLatch upstreamClosed = new CountDownLatch(1);
        try (LogLines access = LogLines.of(AccessLogOutput.CATEGORY); Upstream up = new Upstream((s, in) -> {
            try {
                RawHttp.head(in);
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nearly".getBytes(StandardCharsets.US_ASCII));
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } finally {
                upstreamClosed.countDown();
            }
        }); ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.limits.request-body-timeout", "1s"))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                String head = client.send(post("up.test", 100) + "x".repeat(10)).readHead();
                assertThat(status(head)).as(head).isEqualTo(200);
                assertThat(new String(client.readBytes(5), StandardCharsets.US_ASCII)).isEqualTo("early");
                assertThat(client.closedByServer()).as("cut off: the answer had started").isTrue();
            }
            assertThat(upstreamClosed.await(60, TimeUnit.SECONDS)).isTrue();
            await().atMost(WAIT).untilAsserted(() -> assertThat(access.lines()).anySatisfy(l -> assertThat(l).contains(
                    "route=default/up", " status=200 ", " reason=\"request body stalled\"")));
        }
    }

    /**
     * While the upstream takes the body slower than the client sends it, the proxy stops reading the client: the
     * client is not the one stalling, and its body deadline does not run meanwhile.
     */
    @Test
    void anUpstreamSlowToReadTheBodyDoesNotMakeTheClientLate() throws Exception {
        int length = 64 << 20; // more than the sockets' buffers on the way hold
        CountDownLatch readOn = new CountDownLatch(1);
        AtomicLong received = new AtomicLong();
        try (Upstream up = new Upstream((s, in) -> {
            RawHttp.head(in);
            readOn.await(); // reads nothing of the body until the test says
            byte[] buf = new byte[64 * 1024];
            long n = 0;
            for (int r; n < length && (r = in.read(buf)) >= 0;) {
                n += r;
            }
            received.set(n);
            s.getOutputStream().write(OK);
            in.read();
        }); Upstream sink = Upstream.sink();
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.limits.request-body-timeout", "1s"))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()) + "---\n" + TestRoutes.plainHttp("sink", "sink.test", sink.endpoint()));
            try (Uploader client = new Uploader(px, "up.test", length)) {
                assertThat(client.refused.await(60, TimeUnit.SECONDS)).as("the proxy stopped reading the client").isTrue();
                // the client still has more to send: from here the proxy reads little of it, or nothing
                assertThat(bodyTimeoutPassed(px)).isEqualTo(408);
                assertThat(bodyTimeoutPassed(px)).isEqualTo(408);
                assertThat(bodyTimeoutPassed(px)).isEqualTo(408);
                readOn.countDown();
                String answer = client.answer();
                assertThat(answer).startsWith("HTTP/1.1 200 ");
                assertThat(received.get()).isEqualTo(length);
            }
        }
    }

    /**
     * An upstream that takes none of the body is still bounded: by the response timeout, from when it stopped taking
     * bytes (the body timeout does not run meanwhile, and the response timeout no longer runs from the head).
     */
    @Test
    void anUpstreamThatTakesNoneOfTheBodyGets504InTheResponseTimeout() throws Exception {
        CountDownLatch testOver = new CountDownLatch(1);
        try (Upstream up = new Upstream((s, in) -> {
            RawHttp.head(in);
            testOver.await(); // reads nothing of the body
        }); ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.upstream.response-timeout", "1s",
                "wsroute.limits.request-body-timeout", "10m"))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (Uploader client = new Uploader(px, "up.test", 64 << 20)) {
                assertThat(client.refused.await(60, TimeUnit.SECONDS)).as("the proxy stopped reading the client").isTrue();
                await().atMost(WAIT).until(() -> px.metrics.find("wsroute.http.requests").tag("route", "default/up").tag("status", "504")
                        .counter() != null);
            } finally {
                testOver.countDown();
            }
        }
    }

    /** A client that sent {@code Expect: 100-continue} waits for the upstream's 100 before its body: it is not late meanwhile. */
    @Test
    void aClientWaitingForA100ContinueIsNotLate() throws Exception {
        CountDownLatch sayContinue = new CountDownLatch(1);
        try (Upstream up = new Upstream((s, in) -> {
            int length = contentLength(RawHttp.head(in));
            sayContinue.await();
            s.getOutputStream().write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            in.readNBytes(length);
            s.getOutputStream().write(OK);
            in.read();
        }); Upstream sink = Upstream.sink();
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.limits.request-body-timeout", "1s"))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()) + "---\n" + TestRoutes.plainHttp("sink", "sink.test", sink.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                client.send("POST /upload HTTP/1.1\r\nHost: up.test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
                assertThat(bodyTimeoutPassed(px)).isEqualTo(408);
                assertThat(bodyTimeoutPassed(px)).isEqualTo(408);
                sayContinue.countDown();
                String interim = client.readHead();
                assertThat(status(interim)).as(interim).isEqualTo(100);
                String answer = client.send("hello").readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(200);
            }
        }
    }

    /** Once the whole request is upstream, the response timeout bounds the wait for the answer, as before. */
    @Test
    void anUpstreamSilentAfterACompleteUploadGets504() throws Exception {
        AtomicLong received = new AtomicLong();
        CountDownLatch upstreamClosed = new CountDownLatch(1);
        try (Upstream up = new Upstream((s, in) -> {
            try {
                RawHttp.head(in);
                while (in.read() >= 0) { // and never answers
                    received.incrementAndGet();
                }
            } finally {
                upstreamClosed.countDown();
            }
        }); ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.upstream.response-timeout", "1s",
                "wsroute.limits.request-body-timeout", "30s"))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                client.send(post("up.test", 20) + "x".repeat(10));
                await().atMost(WAIT).until(() -> received.get() == 10);
                String answer = client.send("y".repeat(10)).readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(504);
            }
            assertThat(upstreamClosed.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(received.get()).isEqualTo(20);
        }
    }

    /**
     * An upstream that starts its answer before the upload ends (a streaming endpoint) has answered: the end of the
     * body must not start the response timeout again. It did, and the client was cut off mid-answer one response
     * timeout after its last byte, while the upstream was still sending.
     */
    @Test
    void anAnswerStartedBeforeTheUploadEndedIsNotCutOffByTheResponseTimeout() throws Exception {
        AtomicLong received = new AtomicLong();
        CountDownLatch finish = new CountDownLatch(1);
        try (Upstream up = new Upstream((s, in) -> {
            int length = contentLength(RawHttp.head(in));
            s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < length && in.read() >= 0; i++) {
                received.incrementAndGet();
            }
            finish.await();
            s.getOutputStream().write("cd".getBytes(StandardCharsets.US_ASCII));
            in.read();
        }); Upstream silent = Upstream.silent();
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.upstream.response-timeout", "1s",
                        "wsroute.limits.request-body-timeout", "30s"))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()) + "---\n" + TestRoutes.plainHttp("silent", "silent.test", silent.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                String head = client.send(post("up.test", 10)).readHead();
                assertThat(status(head)).as(head).isEqualTo(200);
                assertThat(new String(client.readBytes(2), StandardCharsets.US_ASCII)).isEqualTo("ab");
                client.send("x".repeat(10));
                await().atMost(WAIT).until(() -> received.get() == 10); // the whole request is upstream
                assertThat(responseTimeoutPassed(px)).isEqualTo(504);
                assertThat(responseTimeoutPassed(px)).isEqualTo(504);
                finish.countDown();
                assertThat(new String(client.readBytes(2), StandardCharsets.US_ASCII)).isEqualTo("cd");
            }
            await().atMost(WAIT).until(() -> px.metrics.find("wsroute.http.requests").tag("route", "default/up").tag("status", "200")
                    .counter() != null);
        }
    }

    /**
     * A parked upstream connection the upstream closes as a request comes (its keep-alive ran out) is retried once on a
     * fresh one when nothing of the request's body went on it. A client waiting for {@code 100 Continue} has sent only
     * the head; it got 502 ("upstream closed the connection before answering") because its request was not complete.
     */
    @Test
    void aClientWaitingFor100ContinueOnAParkedConnectionTheUpstreamClosedIsRetried() throws Exception {
        AtomicLong connections = new AtomicLong();
        try (Upstream up = new Upstream((s, in) -> {
            if (connections.incrementAndGet() == 1) {
                RawHttp.head(in);
                s.getOutputStream().write(OK);
                RawHttp.head(in); // the next request's head: the upstream closes instead of answering
                return;
            }
            int length = contentLength(RawHttp.head(in));
            s.getOutputStream().write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            in.readNBytes(length);
            s.getOutputStream().write(OK);
            in.read();
        }); ProxyHarness px = new ProxyHarness(TestConfig.wsroute())) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                assertThat(status(client.send("GET /first HTTP/1.1\r\nHost: up.test\r\n\r\n").readResponse())).isEqualTo(200);
                String interim = client.send("POST /upload HTTP/1.1\r\nHost: up.test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n").readHead();
                assertThat(status(interim)).as(interim).isEqualTo(100);
                String answer = client.send("hello").readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(200);
            }
            assertThat(connections.get()).isEqualTo(2);
        }
    }

    /**
     * The request head written for the upstream once, at the request, goes whole on the fresh connection of a retry
     * too (a parked one the upstream closed as the request came): the same bytes, its many fields edited as for the first.
     */
    @Test
    void aRetriedRequestGoesUpstreamWithTheSameHead() throws Exception {
        AtomicLong connections = new AtomicLong();
        List<String> heads = new CopyOnWriteArrayList<>();
        try (Upstream up = new Upstream((s, in) -> {
            if (connections.incrementAndGet() == 1) {
                RawHttp.head(in);
                s.getOutputStream().write(OK);
                heads.add(RawHttp.head(in)); // the next request: the upstream closes instead of answering
                return;
            }
            heads.add(RawHttp.head(in));
            s.getOutputStream().write(OK);
            in.read();
        }); ProxyHarness px = new ProxyHarness(TestConfig.wsroute())) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()));
            StringBuilder many = new StringBuilder("GET /second?q=1 HTTP/1.1\r\nHOST: up.test\r\nConnection: X-Hop\r\nX-Hop: a\r\n");
            for (int i = 0; i < 30; i++) {
                many.append("X-Field-").append(i).append(": v").append(i).append("\r\n");
            }
            try (RawHttp client = new RawHttp(px.port())) {
                assertThat(status(client.send("GET /first HTTP/1.1\r\nHost: up.test\r\n\r\n").readResponse())).isEqualTo(200);
                assertThat(status(client.send(many.append("\r\n").toString()).readResponse())).isEqualTo(200);
            }
            assertThat(connections.get()).isEqualTo(2);
            assertThat(heads).hasSize(2);
            assertThat(heads.get(1)).isEqualTo(heads.get(0)).startsWith("GET /second?q=1 HTTP/1.1\r\nHOST: up.test\r\n")
                    .contains("X-Field-29: v29\r\n").contains("X-Forwarded-For: 127.0.0.1").doesNotContainIgnoringCase("x-hop");
        }
    }

    /**
     * The bytes of a trailer section are the client sending: each read counts as progress. They reached the exchange
     * (and counted) only once the section was complete, so a client sending a trailer field byte by byte, each well
     * within the body timeout, got 408 once the whole section took longer than the timeout. (The bytes of a chunk-size
     * line and its extension were passed on, and counted, as they came.)
     */
    @Test
    void aTrailerTrickledInByteByByteIsNotLate() throws Exception {
        try (Upstream up = new Upstream((s, in) -> {
            RawHttp.head(in);
            byte[] rest = new byte[64];
            int n = 0;
            while (!new String(rest, 0, n, StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int r = in.read();
                if (r < 0) {
                    return;
                }
                rest[n++] = (byte) r;
            }
            s.getOutputStream().write(OK);
            in.read();
        }); Upstream silent = Upstream.silent();
                ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.upstream.response-timeout", "1s",
                        "wsroute.limits.request-body-timeout", "3s"))) {
            px.routes(TestRoutes.plainHttp("up", "up.test", up.endpoint()) + "---\n" + TestRoutes.plainHttp("silent", "silent.test", silent.endpoint()));
            try (RawHttp client = new RawHttp(px.port())) {
                client.send("POST /upload HTTP/1.1\r\nHost: up.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: ");
                for (int i = 0; i < 5; i++) { // a byte each response timeout (1 s), well within the body timeout (3 s)
                    assertThat(responseTimeoutPassed(px)).isEqualTo(504);
                    client.send("a");
                }
                String answer = client.send("\r\n\r\n").readResponse();
                assertThat(status(answer)).as(answer).isEqualTo(200);
            }
        }
    }

    private static String post(String host, long length) {
        return "POST /upload HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: " + length + "\r\n\r\n";
    }

    private static int contentLength(String head) {
        return Integer.parseInt(header(head, "content-length"));
    }

    /**
     * A client uploading a large body as fast as the proxy takes it, on a thread of its own: it always has more to send
     * (a client that stopped writing would be late, rightly). Waits for the socket to take more with a selector, not a clock.
     */
    static final class Uploader implements AutoCloseable {
        final CountDownLatch refused = new CountDownLatch(1);
        private final SocketChannel channel;
        private final Thread writer;
        private volatile Exception failed;

        Uploader(ProxyHarness px, String host, int length) throws IOException {
            channel = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), px.port()));
            channel.configureBlocking(false);
            ByteBuffer head = ByteBuffer.wrap(post(host, length).getBytes(StandardCharsets.US_ASCII));
            ByteBuffer body = ByteBuffer.allocate(length);
            writer = new Thread(() -> {
                try (Selector selector = Selector.open()) {
                    channel.register(selector, SelectionKey.OP_WRITE);
                    while (head.hasRemaining() || body.hasRemaining()) {
                        if (channel.write(head.hasRemaining() ? head : body) == 0) {
                            refused.countDown(); // the proxy takes no more for now
                            selector.select();
                            selector.selectedKeys().clear();
                        }
                    }
                } catch (Exception e) {
                    failed = e;
                }
            }, "uploader");
            writer.setDaemon(true);
            writer.start();
        }

        /** The answer's head, once the whole body is sent. */
        String answer() throws Exception {
            writer.join(60_000);
            assertThat(writer.isAlive()).as("the body was sent").isFalse();
            assertThat(failed).isNull();
            channel.configureBlocking(true); // the selector is closed: the channel is no longer registered
            channel.socket().setSoTimeout(30_000);
            return RawHttp.head(channel.socket().getInputStream());
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** At least one response timeout passes: a GET to an upstream that never answers gets its 504. */
    private static int responseTimeoutPassed(ProxyHarness px) throws IOException {
        try (RawHttp clock = new RawHttp(px.port())) {
            return status(clock.send("GET /clock HTTP/1.1\r\nHost: silent.test\r\n\r\n").readResponse());
        }
    }

    /** At least one body timeout passes: an upload that stops gets its 408. */
    private static int bodyTimeoutPassed(ProxyHarness px) throws IOException {
        try (RawHttp clock = new RawHttp(px.port())) {
            return status(clock.send(post("sink.test", 2) + "x").readResponse());
        }
    }

    /** Sends more of a body; a proxy that already answered (and closed) may refuse it: its answer says why. */
    private static void sendOn(RawHttp client, String more) {
        try {
            client.send(more);
        } catch (IOException closed) {
            // read the answer
        }
    }

    /** An upstream on 127.0.0.1 that serves each connection it accepts on a thread of its own, until closed. */
    static final class Upstream implements AutoCloseable {
        interface Connection {
            void serve(Socket s, InputStream in) throws Exception;
        }

        final ServerSocket server;
        final List<Socket> sockets = new CopyOnWriteArrayList<>();

        Upstream(Connection handler) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(() -> {
                while (true) {
                    Socket s;
                    try {
                        s = server.accept();
                    } catch (IOException closed) {
                        return;
                    }
                    sockets.add(s);
                    Thread t = new Thread(() -> {
                        try (s) {
                            handler.serve(s, s.getInputStream());
                        } catch (Exception e) {
                            // the proxy closed it, or the test ended
                        }
                    }, "upstream-connection");
                    t.setDaemon(true);
                    t.start();
                }
            }, "upstream-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        /** Reads requests and never answers. */
        static Upstream silent() throws IOException {
            return new Upstream((s, in) -> in.transferTo(java.io.OutputStream.nullOutputStream()));
        }

        /** Reads whatever comes until the proxy closes. */
        static Upstream sink() throws IOException {
            return silent();
        }

        String endpoint() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}

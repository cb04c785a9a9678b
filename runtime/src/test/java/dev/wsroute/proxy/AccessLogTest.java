package dev.wsroute.proxy;

import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;

import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.jboss.logmanager.handlers.ConsoleHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;

/**
 * The access log through the real data plane, with the usual log set-up (the console handler is the only one): lines
 * in the console's format, written in batches; a stalled console never holds up traffic, a full queue drops lines
 * and counts them, and what is queued is still written when the proxy stops.
 */
class AccessLogTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    final SinkStream sink = new SinkStream();
    final PrintStream stdout = System.out;
    final org.jboss.logmanager.Logger root = LogContext.getLogContext().getLogger("");
    final org.jboss.logmanager.Logger category = LogContext.getLogContext().getLogger(AccessLogOutput.CATEGORY);
    Handler[] rootHandlers;
    EchoBackend echo;
    ProxyHarness px;

    @BeforeEach
    void consoleOnly() {
        rootHandlers = root.getHandlers();
        root.setHandlers(new Handler[] { new ConsoleHandler(new PatternFormatter("%-5p [%c] %s%n")) });
        System.setOut(new PrintStream(sink, true, StandardCharsets.UTF_8));
        echo = EchoBackend.start("web");
    }

    @AfterEach
    void restore() {
        category.setLevel(null);
        sink.release.countDown();
        if (px != null) {
            px.close();
        }
        echo.close();
        System.setOut(stdout);
        root.setHandlers(rootHandlers);
    }

    void start(String... config) throws Exception {
        px = new ProxyHarness(TestConfig.wsroute(config));
        px.routes(TestRoutes.wsAndHttp("web", "/ws", echo.endpoint()));
    }

    @Test
    void linesAreWrittenInTheConsolesFormatAManyLinesToAWrite() throws Exception {
        start();
        sink.stallFirstWrite();
        requests(200); // all answered while the writer is stuck in its first write
        assertThat(sink.stalled.await(60, TimeUnit.SECONDS)).as("the writer reached the console").isTrue();
        sink.release.countDown();
        await().atMost(WAIT).until(() -> lines().size() == 200);
        assertThat(lines()).allSatisfy(line -> assertThat(line)
                .matches("INFO  \\[wsroute\\.access\\] http client=127\\.0\\.0\\.1:\\d+ method=GET host=web\\.example\\.com "
                        + "uri=/page route=default/web endpoint=" + echo.endpoint() + " status=200 duration_ms=\\d+\\.\\d"));
        // the first write held what had come by then; the lines queued behind it go in one more write (and the last
        // request's line, offered just after its response went out, may come on its own)
        assertThat(sink.writes.get()).as("writes for 200 lines").isLessThanOrEqualTo(3);
    }

    @Test
    void aWebSocketSessionIsOneLineAtItsClose() throws Exception {
        start();
        WebSocket ws = echoedSession();
        ws.sendClose(1000, "bye").get(30, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> lines().size() == 1);
        assertThat(lines().get(0)).matches("INFO  \\[wsroute\\.access\\] ws client=127\\.0\\.0\\.1:\\d+ host=127\\.0\\.0\\.1 "
                + "uri=/ws/chat\\?room=<redacted> route=default/web endpoint=" + echo.endpoint() + " status=101 duration_ms=\\d+\\.\\d "
                + "bytes_in=\\d+ bytes_out=\\d+ msgs_in=1 msgs_out=1 closed_by=client close_code=1000 close_reason=-");
    }

    @Test
    void anUpgradeAndAPlainRequestOnANonDefaultPortLogTheSameHost() throws Exception {
        start();
        String host = "Web.Example.com:" + px.port(); // as a browser sends it to a port other than 80
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send(RawHttp.upgradeRequest("/ws/chat", host)).readHead())).isEqualTo(101);
            raw.send(RawHttp.maskedClose(1000));
            assertThat(raw.readServerFrame()[0]).as("the echo's Close").isEqualTo((byte) 0x8);
        }
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send("GET /page HTTP/1.1\r\nHost: " + host + "\r\n\r\n").readResponse())).isEqualTo(200);
        }
        await().atMost(WAIT).until(() -> lines().size() == 2);
        assertThat(lines()).extracting(l -> l.substring(l.indexOf("] ") + 2, l.indexOf(' ', l.indexOf("] ") + 2)) + " "
                + l.substring(l.indexOf(" host=") + 1, l.indexOf(" uri=")))
                .as("the Host's name without its port, as routes match it, on both kinds of line")
                .containsExactlyInAnyOrder("ws host=web.example.com", "http host=web.example.com");
    }

    @Test
    void aStalledConsoleHoldsUpNoRequestAndAFullQueueDropsLinesCounted() throws Exception {
        start("wsroute.access-log.queue-lines", "16");
        sink.stallFirstWrite();
        requests(100);
        assertThat(sink.stalled.await(60, TimeUnit.SECONDS)).as("the writer reached the console").isTrue();
        sink.release.countDown();
        await().atMost(WAIT).until(() -> lines().size() + dropped() == 100);
        assertThat(dropped()).as("lines dropped while at most 16 could wait").isGreaterThanOrEqualTo(50);
    }

    @Test
    void whatIsQueuedIsWrittenWhenTheProxyStops() throws Exception {
        start();
        sink.stallFirstWrite();
        requests(20);
        assertThat(sink.stalled.await(60, TimeUnit.SECONDS)).as("the writer reached the console").isTrue();
        sink.release.countDown();
        px.close();
        px = null;
        assertThat(lines()).hasSize(20);
    }

    @Test
    void theCategorysLevelAppliesAsItIsNowNotAsItWasAtStart() throws Exception {
        start();
        requests(10);
        await().atMost(WAIT).until(() -> lines().size() == 10);
        category.setLevel(Level.OFF); // as a log-level change at run time does
        requests(10);
        category.setLevel(Level.INFO);
        requests(5);
        await().atMost(WAIT).until(() -> requestLines() >= 15);
        px.close(); // writes what is queued
        px = null;
        assertThat(requestLines()).as("10 before the log was turned off, 5 after it was turned on again").isEqualTo(15);
        // the request answered last while the log was off may still be finishing when it is turned on: its line comes,
        // without what the request kept nothing of
        assertThat(lines().size() - 15).as("lines of requests made while the log was off").isBetween(0, 1);
        assertThat(lines()).allMatch(l -> l.contains("uri=/page") || l.contains("client=- method=GET host=- uri=-"));
    }

    @Test
    void aLogOffAtStartHasNoWriterUntilItIsTurnedOn() throws Exception {
        category.setLevel(Level.OFF);
        start();
        requests(20);
        assertThat(writerThreads()).as("no writer thread while the log is off").isZero();
        category.setLevel(Level.INFO);
        requests(3);
        await().atMost(WAIT).until(() -> requestLines() == 3);
        assertThat(writerThreads()).isEqualTo(1);
        // the last request answered while the log was off may still be finishing when it is turned on (see above)
        assertThat(lines().size() - 3).as("lines of requests made while the log was off").isBetween(0, 1);
    }

    @Test
    void aSessionOpenedWhileTheLogWasOffKeepsNoRequestAndIsLoggedWithoutIt() throws Exception {
        category.setLevel(Level.OFF);
        start();
        WebSocket ws = echoedSession();
        category.setLevel(Level.INFO); // turned on while the session is open: its line comes at its close
        ws.sendClose(1000, "bye").get(30, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> lines().size() == 1);
        assertThat(lines().get(0)).matches("INFO  \\[wsroute\\.access\\] ws client=- host=- uri=- route=default/web endpoint="
                + echo.endpoint() + " status=101 duration_ms=\\d+\\.\\d bytes_in=\\d+ bytes_out=\\d+ msgs_in=1 msgs_out=1 closed_by=client "
                + "close_code=1000 close_reason=-");
    }

    @Test
    void aFormatterWithAFieldPerRecordStillFormatsEveryLine() throws Exception {
        root.setHandlers(new Handler[] { new ConsoleHandler(new java.util.logging.Formatter() {
            @Override
            public String format(java.util.logging.LogRecord r) {
                return "#" + r.getSequenceNumber() + " [" + r.getLoggerName() + "] " + r.getMessage() + "\n";
            }
        }) });
        start();
        requests(50);
        await().atMost(WAIT).until(() -> lines().size() == 50);
        List<Long> sequence = lines().stream().map(l -> Long.parseLong(l.substring(1, l.indexOf(' ')))).toList();
        assertThat(sequence).as("one record per line, each formatted on its own").doesNotHaveDuplicates().isSorted();
    }

    @Test
    void theConsolesFilterSeesEveryLineAndWhatItChangesShows() throws Exception {
        ConsoleHandler console = new ConsoleHandler(new PatternFormatter("%-5p [%c] %s%n"));
        console.setFilter(r -> { // as Quarkus's log clean-up filter: drops some records, lowers the level of others
            if (r.getMessage().contains("uri=/secret")) {
                return false;
            }
            if (r.getMessage().contains("uri=/quiet")) {
                r.setLevel(Level.FINE);
            }
            return true;
        });
        root.setHandlers(new Handler[] { console });
        start();
        get("/page", "/secret", "/quiet", "/page");
        await().atMost(WAIT).until(() -> lines().size() == 3);
        assertThat(lines()).extracting(l -> l.substring(0, 5) + l.substring(l.indexOf(" uri=") + 5, l.indexOf(" route=")))
                .containsExactly("INFO /page", "FINE /quiet", "INFO /page");
    }

    /**
     * A line the filter lowered is formatted as a record of its own, and that record is the writer thread's, as every
     * line's is: the console's format shows the thread ({@code %t} is in Quarkus's default format).
     */
    @Test
    void aLineTheFilterChangedShowsTheWritersThreadAsTheOthers() throws Exception {
        ConsoleHandler console = new ConsoleHandler(new PatternFormatter("%-5p [%c] (%t) %s%n"));
        console.setFilter(r -> {
            if (r.getMessage().contains("uri=/quiet")) {
                r.setLevel(Level.FINE);
            }
            return true;
        });
        root.setHandlers(new Handler[] { console });
        start();
        get("/page", "/quiet");
        await().atMost(WAIT).until(() -> lines().size() == 2);
        assertThat(lines()).extracting(l -> l.substring(0, l.indexOf(" http ")))
                .containsExactly("INFO  [wsroute.access] (wsroute-access-log)", "FINE  [wsroute.access] (wsroute-access-log)");
    }

    /**
     * Heads refused by the parser (malformed, too large) were counted in {@code wsroute_http_requests_total} but had
     * no line: an operator seeing a rise of 400s and 431s could not find who sent them. Each now has its line, with the
     * parser's reason and nothing of the head.
     */
    @Test
    void aRefusedHeadHasItsLineAsItsCountHas() throws Exception {
        start();
        for (String head : List.of("GARBAGE\r\n\r\n", "GET /x HTTP/1.1\r\nHost: web.example.com\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n")) {
            try (RawHttp raw = new RawHttp(px.port())) {
                raw.send(head).readResponse();
            } catch (java.io.IOException resetBeforeTheAnswerWasRead) {
                // the proxy closes with unread bytes of the large head: a reset may beat the 431; its line is what counts
            }
        }
        await().atMost(WAIT).until(() -> lines().size() == 2);
        assertThat(lines()).anySatisfy(l -> assertThat(l).matches("INFO  \\[wsroute\\.access\\] http client=127\\.0\\.0\\.1:\\d+ "
                + "method=- host=- uri=- route=- endpoint=- status=400 reason=\"malformed method\""));
        assertThat(lines()).anySatisfy(l -> assertThat(l).contains("status=431 reason=\"request head larger than"));
        assertThat(px.metrics.get("wsroute.http.requests").counters()).extracting(c -> c.count()).containsOnly(1.0);
    }

    /** Plain HTTP on the TLS port gets its 400 from the port's first stage: counted and logged as any refused head. */
    @Test
    void plainHttpOnTheTlsPortIsCountedAndLogged() throws Exception {
        px = new ProxyHarness(TestConfig.withTls());
        px.routes(TestRoutes.wsAndHttp("web", "/ws", echo.endpoint()));
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", px.dataPlane.tlsPort())) {
            s.getOutputStream().write("GET /page HTTP/1.1\r\nHost: web.example.com\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 400 ");
        }
        await().atMost(WAIT).until(() -> lines().size() == 1);
        assertThat(lines().get(0)).matches("INFO  \\[wsroute\\.access\\] http client=127\\.0\\.0\\.1:\\d+ method=- host=- uri=- route=- "
                + "endpoint=- status=400 reason=\"plain HTTP sent to the HTTPS port\"");
        assertThat(px.metrics.get("wsroute.http.requests").tag("status", "400").counter().count()).isEqualTo(1.0);
    }

    /**
     * A client that gives up before its answer (an upgrade or a request to an upstream that is slow to answer) left no
     * count and no line: counted and logged as 499, as nginx does.
     */
    @Test
    void aClientThatLeavesBeforeItsAnswerIsCountedAndLoggedAs499() throws Exception {
        List<java.net.Socket> held = new java.util.ArrayList<>(); // the upstream's side: open, never answering
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            px = new ProxyHarness(TestConfig.wsroute());
            px.routes(TestRoutes.wsAndHttp("slow", "/ws", "127.0.0.1:" + silent.getLocalPort()));
            for (String head : List.of(RawHttp.upgradeRequest("/ws/chat", "slow.example.com"),
                    "GET /page HTTP/1.1\r\nHost: slow.example.com\r\n\r\n")) {
                try (RawHttp raw = new RawHttp(px.port())) {
                    held.add(sendAndAccept(raw, head, silent));
                    raw.socket.setSoLinger(true, 0); // the client leaves with a reset (a FIN would still wait for the answer)
                }
            }
            await().atMost(WAIT).until(() -> lines().size() == 2);
        } finally {
            for (java.net.Socket s : held) {
                s.close();
            }
        }
        assertThat(lines()).anySatisfy(l -> assertThat(l).contains("ws client=", "route=default/slow status=499",
                "reason=\"client closed before the answer\""));
        assertThat(lines()).anySatisfy(l -> assertThat(l).contains("http client=", "uri=/page route=default/slow", "status=499"));
        assertThat(px.metrics.get("wsroute.websocket.upgrades").tag("status", "499").counter().count()).isEqualTo(1.0);
        assertThat(px.metrics.get("wsroute.http.requests").tag("status", "499").counter().count()).isEqualTo(1.0);
    }

    /**
     * Browsers cannot set headers on a WebSocket, so apps authenticate with the query ({@code ?token=...}): the whole
     * URI went into the log, and every session's token with it. By default a line now shows the names only.
     */
    @Test
    void credentialsInTheQueryNeverReachTheLogByDefault() throws Exception {
        start();
        sessionAndRequestWith("token=secret123&room=a");
        await().atMost(WAIT).until(() -> lines().size() == 2);
        assertThat(lines()).noneMatch(l -> l.contains("secret123"));
        assertThat(lines()).anySatisfy(l -> assertThat(l).contains(" uri=/ws/chat?token=<redacted>&room=<redacted> route=default/web "));
        assertThat(lines()).anySatisfy(l -> assertThat(l).contains(" uri=/page?token=<redacted>&room=<redacted> route=default/web "));
    }

    @Test
    void withQueryFullTheQueryIsLoggedAsSentAndWithNoneNotAtAll() throws Exception {
        start("wsroute.access-log.query", "full");
        sessionAndRequestWith("token=secret123&room=a");
        await().atMost(WAIT).until(() -> lines().size() == 2);
        assertThat(lines()).allSatisfy(l -> assertThat(l).contains("?token=secret123&room=a route=default/web "));
        px.close();
        px = null;
        sink.clear();
        start("wsroute.access-log.query", "none");
        sessionAndRequestWith("token=secret123&room=a");
        await().atMost(WAIT).until(() -> lines().size() == 2);
        assertThat(lines()).allSatisfy(l -> assertThat(l).doesNotContain("?").containsPattern(" uri=/(ws/chat|page) route="));
    }

    @Test
    void oddQueriesAreLoggedWithTheirShapeAndNoValue() throws Exception {
        start();
        String longValue = "v".repeat(3_000);
        try (RawHttp raw = new RawHttp(px.port())) {
            for (String q : List.of("&&=x", "a", "", "a=1=2;b", "k=" + longValue, "eyJhbGciOiJIUzI1NiJ9eyJzdWIiOiIxMjM0NTY3ODkwIn0")) {
                assertThat(status(raw.send("GET /page?" + q + " HTTP/1.1\r\nHost: web.example.com\r\n\r\n").readResponse()))
                        .as(q.length() > 60 ? q.substring(0, 60) : q).isEqualTo(200);
            }
        }
        try (RawHttp raw = new RawHttp(px.port())) { // refused by the parser: its line shows nothing of the head
            assertThat(status(raw.send("GET /page?%zz HTTP/1.1\r\nHost: web.example.com\r\n\r\n").readResponse())).isEqualTo(400);
        }
        await().atMost(WAIT).until(() -> lines().size() == 7);
        List<String> uris = new java.util.ArrayList<>(lines().stream()
                .map(l -> l.contains(" uri=-") ? "-" : l.substring(l.indexOf(" uri=") + 5, l.indexOf(" route="))).toList());
        // the refused head came on its own connection: its line may be written before the last one of the first
        assertThat(uris.remove("-")).as("the refused head's line: %s", uris).isTrue();
        assertThat(uris).containsExactly("/page?&&=<redacted>", "/page?a", "/page?", "/page?a=<redacted>;b", "/page?k=<redacted>",
                "/page?<redacted>");
    }

    private void sessionAndRequestWith(String query) throws Exception {
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send(RawHttp.upgradeRequest("/ws/chat?" + query, "web.example.com")).readHead())).isEqualTo(101);
            raw.send(RawHttp.maskedClose(1000));
            assertThat(raw.readServerFrame()[0]).as("the echo's Close").isEqualTo((byte) 0x8);
        }
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send("GET /page?" + query + " HTTP/1.1\r\nHost: web.example.com\r\n\r\n").readResponse())).isEqualTo(200);
        }
    }

    private static java.net.Socket sendAndAccept(RawHttp raw, String head, java.net.ServerSocket upstream) throws Exception {
        raw.send(head);
        upstream.setSoTimeout(30_000);
        return upstream.accept();
    }

    /** A WebSocket of the JDK's client through the proxy, after one message echoed. */
    private WebSocket echoedSession() throws Exception {
        CompletableFuture<String> echoed = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(px.ws("/ws/chat?room=1")), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        echoed.complete(data.toString());
                        return null;
                    }
                }).get(30, TimeUnit.SECONDS);
        ws.sendText("hello", true);
        assertThat(echoed.get(30, TimeUnit.SECONDS)).isEqualTo("hello");
        return ws;
    }

    private long requestLines() {
        return lines().stream().filter(l -> l.contains("uri=/page")).count();
    }

    private static long writerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("wsroute-access-log") && t.isAlive()).count();
    }

    /** One keep-alive connection, a GET of each path in turn. */
    private void get(String... paths) throws Exception {
        try (RawHttp raw = new RawHttp(px.port())) {
            for (String path : paths) {
                raw.send("GET " + path + " HTTP/1.1\r\nHost: web.example.com\r\n\r\n").readResponse();
            }
        }
    }

    private void requests(int n) throws Exception {
        try (RawHttp raw = new RawHttp(px.port())) {
            for (int i = 0; i < n; i++) {
                assertThat(status(raw.send("GET /page HTTP/1.1\r\nHost: web.example.com\r\n\r\n").readResponse())).isEqualTo(200);
            }
        }
    }

    private List<String> lines() {
        return Arrays.stream(sink.text().split("\n")).filter(l -> l.contains("[wsroute.access]")).toList();
    }

    private double dropped() {
        return px.metrics.get("wsroute.access.log.dropped").counter().count();
    }

    /** Standard output as the access log's writer sees it: counts its writes, and can hold the first one. */
    static final class SinkStream extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final AtomicInteger writes = new AtomicInteger();
        final CountDownLatch stalled = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean stall;

        void stallFirstWrite() {
            stall = true;
        }

        @Override
        public void write(int b) {
            write(new byte[] { (byte) b }, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (!Thread.currentThread().getName().equals("wsroute-access-log")) {
                return; // only what the access log writes
            }
            writes.incrementAndGet();
            if (stall) {
                stall = false;
                stalled.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            synchronized (bytes) {
                bytes.write(b, off, len);
            }
        }

        void clear() {
            synchronized (bytes) {
                bytes.reset();
            }
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }
}

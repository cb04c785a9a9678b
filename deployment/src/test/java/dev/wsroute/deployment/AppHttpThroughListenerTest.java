package dev.wsroute.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The app's own HTTP, as an app developer sends it through the listener: large request and answer bodies, a chunked
 * answer, a streamed (server-sent events) answer that arrives event by event, and {@code Expect: 100-continue}.
 */
class AppHttpThroughListenerTest {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final CountDownLatch SECOND_EVENT = new CountDownLatch(1);

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClass(Routes.class)
                    .addAsResource(new StringAsset("wsroute.listen.tls-enabled=false\n"),
                            "application.properties"));

    @ConfigProperty(name = "wsroute.listen.test-port")
    int listener;

    public static class Routes {
        void routes(@Observes Router router) {
            router.post("/size").handler(BodyHandler.create()).handler(rc -> rc.end(String.valueOf(rc.body().length())));
            router.get("/big").handler(rc -> {
                byte[] b = new byte[Integer.parseInt(rc.queryParams().get("n"))];
                Arrays.fill(b, (byte) 'x');
                rc.end(io.vertx.core.buffer.Buffer.buffer(b));
            });
            router.get("/chunked").handler(rc -> {
                rc.response().setChunked(true);
                for (int i = 0; i < 100; i++) {
                    rc.response().write("chunk " + i + "\n");
                }
                rc.response().end();
            });
            router.get("/events").handler(rc -> {
                rc.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
                rc.response().write("data: one\n\n");
                rc.vertx().executeBlocking(() -> SECOND_EVENT.await(30, TimeUnit.SECONDS))
                        .onComplete(x -> rc.response().end("data: two\n\n"));
            });
        }
    }

    @Test
    void largeBodiesBothWays() throws Exception {
        byte[] body = new byte[9 * 1024 * 1024]; // under the app's own limit (quarkus.http.limits.max-body-size, 10M)
        HttpResponse<String> up = HTTP.send(HttpRequest.newBuilder(uri("/size")).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.body()).isEqualTo(String.valueOf(body.length));
        HttpResponse<byte[]> down = HTTP.send(HttpRequest.newBuilder(uri("/big?n=" + body.length)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(down.statusCode()).isEqualTo(200);
        assertThat(down.body()).hasSize(body.length);
    }

    @Test
    void aChunkedAnswer() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/chunked")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body().lines()).hasSize(100).startsWith("chunk 0").endsWith("chunk 99");
    }

    @Test
    void serverSentEventsArriveOneByOne() throws Exception {
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(uri("/events")).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        try (InputStream in = r.body()) {
            byte[] first = new byte["data: one\n\n".length()];
            int n = 0;
            while (n < first.length) { // the first event arrives while the app still holds the second
                int k = in.read(first, n, first.length - n);
                assertThat(k).isPositive();
                n += k;
            }
            assertThat(new String(first, StandardCharsets.UTF_8)).isEqualTo("data: one\n\n");
            SECOND_EVENT.countDown();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("data: two\n\n");
        }
    }

    @Test
    void expect100ContinueIsAnsweredBeforeTheBodyIsSent() throws Exception {
        try (Socket s = new Socket("127.0.0.1", listener)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /size HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            assertThat(readHead(in)).startsWith("HTTP/1.1 100");
            out.write("hello".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200");
        }
    }

    private static String readHead(InputStream in) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                return b.toString(StandardCharsets.US_ASCII);
            }
            b.write(c);
            String s = b.toString(StandardCharsets.US_ASCII);
            if (s.endsWith("\r\n\r\n")) {
                return s;
            }
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + listener + path);
    }
}

package dev.wsroute.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusDevModeTest;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * Dev mode: the request that triggers a live reload is answered after the reload (not cut), the listener stays on
 * its port, and a WebSocket open through it survives the reload (no drain).
 */
class DevModeReloadTest {
    static final Path ROUTES = emptyRoutesFile();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final Pattern LISTENING = Pattern.compile("wsroute listening on http://127\\.0\\.0\\.1:(\\d+)");

    @RegisterExtension
    static final QuarkusDevModeTest APP = new QuarkusDevModeTest()
            .setLogRecordPredicate(r -> r.getLoggerName().startsWith("dev.wsroute"))
            .withApplicationRoot(jar -> jar.addClass(DevModeHelloRoutes.class)
                    .addAsResource(new StringAsset("""
                            wsroute.listen.host=127.0.0.1
                            wsroute.listen.port=0
                            wsroute.listen.tls-enabled=false
                            wsroute.routes-file=%s
                            """.formatted(ROUTES)), "application.properties"));

    static Path emptyRoutesFile() {
        try {
            // a fixed path: the test class is initialised in more than one class loader, which must agree on it
            Path f = Files.createDirectories(Path.of("target", "devmode-routes")).resolve("routes.yaml").toAbsolutePath();
            Files.writeString(f, "");
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theRequestThatTriggersAReloadIsAnsweredAfterItAndOpenWebSocketsStay() throws Exception {
        int port = listenerPort();
        assertThat(get(port, "/hello").body()).isEqualTo("hello");

        Vertx vertx = Vertx.vertx();
        try {
            HttpServer echo = vertx.createHttpServer()
                    .requestHandler(r -> r.toWebSocket().onSuccess(ws -> ws.textMessageHandler(ws::writeTextMessage)))
                    .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            Files.writeString(ROUTES, """
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: echo}
                    spec:
                      rules:
                        - match: {path: {type: Prefix, value: /ws}}
                          backends: [{endpoints: ["127.0.0.1:%d"]}]
                    """.formatted(echo.actualPort()));
            LinkedBlockingQueue<String> echoed = new LinkedBlockingQueue<>();
            WebSocket ws = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> connect(port, echoed), w -> w != null);
            ws.sendText("before the reload", true).get(10, TimeUnit.SECONDS);
            assertThat(echoed.poll(10, TimeUnit.SECONDS)).isEqualTo("before the reload");

            APP.modifySourceFile(DevModeHelloRoutes.class, s -> s.replace("rc.end(\"hello\")", "rc.end(\"hello again\")"));
            HttpResponse<String> afterReload = get(port, "/hello");
            assertThat(afterReload.statusCode()).isEqualTo(200);
            assertThat(afterReload.body()).isEqualTo("hello again");

            ws.sendText("after the reload", true).get(10, TimeUnit.SECONDS);
            assertThat(echoed.poll(10, TimeUnit.SECONDS)).isEqualTo("after the reload");
            ws.sendClose(1000, "done").get(10, TimeUnit.SECONDS);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static int listenerPort() {
        for (LogRecord r : APP.getLogRecords()) {
            Matcher m = LISTENING.matcher(String.valueOf(r.getMessage()));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("no 'wsroute listening on' line in the log");
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static WebSocket connect(int port, LinkedBlockingQueue<String> echoed) throws Exception {
        return HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                echoed.add(data.toString());
                w.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
    }
}

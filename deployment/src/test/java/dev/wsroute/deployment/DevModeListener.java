package dev.wsroute.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.shrinkwrap.api.asset.StringAsset;

import io.quarkus.test.QuarkusDevModeTest;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/** The listener of a dev-mode test app: its port, from the app's start-up line, and GETs sent through it. */
final class DevModeListener {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Pattern LISTENING = Pattern.compile("wsroute listening on http://127\\.0\\.0\\.1:(\\d+)");

    private DevModeListener() {
    }

    /**
     * A dev-mode app with a {@code GET /hello} route of its own and the listener on a free port of 127.0.0.1 (plain
     * only, its port in the start-up line); {@code moreProperties}: further lines of its application.properties.
     */
    static QuarkusDevModeTest helloApp(String moreProperties) {
        return new QuarkusDevModeTest()
                .setLogRecordPredicate(r -> r.getLoggerName().startsWith("dev.wsroute"))
                .withApplicationRoot(jar -> jar.addClass(DevModeHelloRoutes.class)
                        .addAsResource(new StringAsset(listenerOn(0) + moreProperties), "application.properties"));
    }

    /** The same app with the listener on {@code port}: a new data plane after a reload binds where the old one was. */
    static QuarkusDevModeTest helloAppOnPort(int port) {
        return new QuarkusDevModeTest()
                .withApplicationRoot(jar -> jar.addClass(DevModeHelloRoutes.class)
                        .addAsResource(new StringAsset(listenerOn(port)), "application.properties"));
    }

    private static String listenerOn(int port) {
        return """
                wsroute.listen.host=127.0.0.1
                wsroute.listen.port=%d
                wsroute.listen.tls-enabled=false
                """.formatted(port);
    }

    /**
     * An empty routes file at a fixed path under target/{@code dir}: a test class is initialised in more than one class
     * loader, which must agree on it.
     */
    static Path emptyRoutesFile(String dir) {
        try {
            Path f = Files.createDirectories(Path.of("target", dir)).resolve("routes.yaml").toAbsolutePath();
            Files.writeString(f, "");
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A WebSocket echo server of {@code vertx} on a free port of 127.0.0.1 (a backend), and the routes file
     * {@code routes} rewritten to send upgrades under /ws to it; returns the server.
     */
    static HttpServer echoRoutedUnderWs(Vertx vertx, Path routes) throws Exception {
        HttpServer echo = vertx.createHttpServer()
                .requestHandler(r -> r.toWebSocket().onSuccess(w -> w.textMessageHandler(w::writeTextMessage)))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        Files.writeString(routes, """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: echo}
                spec:
                  rules:
                    - match: {path: {type: Prefix, value: /ws}}
                      backends: [{endpoints: ["127.0.0.1:%d"]}]
                """.formatted(echo.actualPort()));
        return echo;
    }

    static int port(QuarkusDevModeTest app) {
        for (LogRecord r : app.getLogRecords()) {
            Matcher m = LISTENING.matcher(String.valueOf(r.getMessage()));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("no 'wsroute listening on' line in the log");
    }

    /** A GET through the listener; the bound is generous, as a request may wait for a live reload. */
    static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

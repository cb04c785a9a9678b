package dev.wsroute.operator.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

/**
 * The demo's upstream: a Vert.x WebSocket echo server that also serves a small page with a WebSocket client,
 * so `java -jar` with no configuration shows wsroute working end to end. Listens on 127.0.0.1 only, on a Vert.x of
 * its own.
 * <p>
 * Upgrades are taken in the request handler ({@code toWebSocket()}), not with a {@code webSocketHandler}: Quarkus,
 * when the app has no WebSocket extension, sets the JVM-wide system property {@code vertx.disableWebsockets}, and every
 * Vert.x HTTP server class initialised after that hands upgrades to the request handler as plain requests (a restart
 * of the app in the same JVM, as dev mode and tests do, would then answer the demo's upgrades with the page, 200).
 */
final class DemoBackend implements AutoCloseable {
    private final Vertx vertx;
    private final int requestedPort;
    private HttpServer server;

    DemoBackend(int port) {
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        this.requestedPort = port;
    }

    DemoBackend start() throws IOException {
        String page;
        try (InputStream in = DemoBackend.class.getResourceAsStream("/dev/wsroute/demo/index.html")) {
            page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            server = vertx.createHttpServer()
                    .requestHandler(req -> {
                        if (asksForWebSocket(req)) {
                            req.toWebSocket().onSuccess(ws -> ws.frameHandler(ws::writeFrame));
                        } else {
                            req.response().putHeader("content-type", "text/html; charset=utf-8").end(page);
                        }
                    })
                    .listen(requestedPort, "127.0.0.1")
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("demo echo backend could not listen on 127.0.0.1:" + requestedPort, e);
        }
        return this;
    }

    /** The check Vert.x itself makes before it hands a request to a WebSocket handler. */
    private static boolean asksForWebSocket(HttpServerRequest req) {
        return req.headers().contains(HttpHeaders.UPGRADE, HttpHeaders.WEBSOCKET, true);
    }

    int port() {
        return server.actualPort();
    }

    /** Stops the server and its Vert.x, and waits for both (bounded), so nothing of the demo outlives the app. */
    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("demo echo backend did not stop", e);
        }
    }
}

package dev.wsroute.operator.demo;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;

/**
 * The demo's upstream: a Vert.x WebSocket echo server that also serves a small page with a WebSocket client,
 * so `java -jar` with no configuration shows wsroute working end to end. Listens on 127.0.0.1 only, on a Vert.x of
 * its own and, for port 0, on a port probed free: Vert.x shares port-0 servers on one host, and Quarkus's own server
 * listens on 127.0.0.1:0, which would then answer the demo's upgrades.
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
            page = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        try {
            server = vertx.createHttpServer()
                    .webSocketHandler(ws -> ws.frameHandler(ws::writeFrame))
                    .requestHandler(req -> req.response().putHeader("content-type", "text/html; charset=utf-8").end(page))
                    .listen(requestedPort == 0 ? freePort() : requestedPort, "127.0.0.1")
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("demo echo backend could not listen on 127.0.0.1:" + requestedPort, e);
        }
        return this;
    }

    /** A port the system says is free: Vert.x shares port-0 servers on one host, here with Quarkus's own 127.0.0.1:0. */
    private static int freePort() throws IOException {
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    int port() {
        return server.actualPort();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        vertx.close();
    }
}

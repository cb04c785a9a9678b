package dev.wsroute.testing;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

/**
 * A real upstream for tests, on Vert.x (not our code): a WebSocket echo server that also answers "whoami" with
 * the handshake it received (path, headers, its own name) and serves plain HTTP (GET: the request as JSON,
 * POST: the body back). Binds 127.0.0.1 on a free port.
 */
public final class EchoBackend implements AutoCloseable {
    private final String name;
    private final HttpServer server;
    public final AtomicInteger upgrades = new AtomicInteger();
    public final CopyOnWriteArrayList<ServerWebSocket> open = new CopyOnWriteArrayList<>();

    public EchoBackend(Vertx vertx, String name) {
        this(vertx, name, new HttpServerOptions());
    }

    public EchoBackend(Vertx vertx, String name, HttpServerOptions options) {
        this.name = name;
        options.setHost("127.0.0.1").setPort(0).setPerMessageWebSocketCompressionSupported(true)
                .setWebSocketSubProtocols(java.util.List.of("mqtt", "v2.chat"));
        try {
            this.server = vertx.createHttpServer(options)
                    .webSocketHandler(this::onWebSocket)
                    .requestHandler(req -> {
                        if (req.method().name().equals("POST")) {
                            req.body().onSuccess(b -> req.response().putHeader("x-backend", name).end(b));
                        } else {
                            req.response().putHeader("content-type", "application/json").putHeader("x-backend", name)
                                    .end(describe(req.path(), req.uri(), req.headers()).encode());
                        }
                    })
                    .listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void onWebSocket(ServerWebSocket ws) {
        ws.accept(); // at once: frames that came with the upgrade request are then written after the 101
        upgrades.incrementAndGet();
        open.add(ws);
        ws.closeHandler(v -> open.remove(ws));
        JsonObject handshake = describe(ws.path(), ws.uri(), ws.headers());
        ws.frameHandler(frame -> {
            if (frame.isText() && frame.isFinal() && "whoami".equals(frame.textData())) {
                ws.writeTextMessage(handshake.encode());
            } else if (frame.isText() && "close-me".equals(frame.textData())) {
                ws.close((short) 4000, "asked to");
            } else if (!frame.isClose()) {
                ws.writeFrame(frame);
            }
        });
    }

    private JsonObject describe(String path, String uri, io.vertx.core.MultiMap headers) {
        Map<String, Object> h = new TreeMap<>(); // names in lower case, repeated headers joined
        headers.forEach(e -> h.merge(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue(), (a, b) -> a + "," + b));
        return new JsonObject().put("backend", name).put("path", path).put("uri", uri).put("headers", new JsonObject(h));
    }

    public int port() {
        return server.actualPort();
    }

    public String endpoint() {
        return "127.0.0.1:" + port();
    }

    @Override
    public void close() {
        server.close().toCompletionStage().toCompletableFuture().join();
    }
}

package dev.wsroute.testing;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

/**
 * The one echo backend of the tests, on Vert.x (not our code): a WebSocket server on 127.0.0.1 (free port) that answers
 * each frame with itself (or a text message with {@code reply(text)}), answers "whoami" with the handshake it
 * received (path, headers, its own name), closes with 4000 on "close-me", and serves plain HTTP (GET: the request as
 * JSON, POST: the body back). Any path, subprotocols {@code mqtt} and {@code v2.chat}; TLS when the options say so.
 */
public final class EchoBackend implements AutoCloseable {
    private final String name;
    private final UnaryOperator<String> reply;
    private final Vertx ownVertx;
    private final HttpServer server;
    public final AtomicInteger upgrades = new AtomicInteger();
    public final CopyOnWriteArrayList<ServerWebSocket> open = new CopyOnWriteArrayList<>();

    /** Echoes text as it came, on its own Vert.x instance (closed with it). */
    public static EchoBackend start(String name) {
        return new EchoBackend(null, name, new HttpServerOptions(), null);
    }

    /** Echoes text as {@code name + ":" + text}, so a test can tell which backend answered. Runs on its own Vert.x. */
    public static EchoBackend named(String name) {
        return new EchoBackend(null, name, new HttpServerOptions(), text -> name + ":" + text);
    }

    /** As {@link #named(String)}, listening on {@code host} (e.g. {@code ::1}, as an IPv6 pod). */
    public static EchoBackend named(String name, String host) {
        return new EchoBackend(null, name, new HttpServerOptions().setHost(host), text -> name + ":" + text);
    }

    /**
     * As {@link #named(String)}, listening on {@code host:port} (port 0: a free one): pods of one Deployment on
     * 127.0.0.1, 127.0.0.2, ... share a port number, as pods behind one EndpointSlice do.
     */
    public static EchoBackend named(String name, String host, int port) {
        return new EchoBackend(null, name, new HttpServerOptions().setHost(host).setPort(port), text -> name + ":" + text);
    }

    public EchoBackend(Vertx vertx, String name) {
        this(vertx, name, new HttpServerOptions());
    }

    public EchoBackend(Vertx vertx, String name, HttpServerOptions options) {
        this(vertx, name, options, null);
    }

    /**
     * @param vertx the Vert.x to run on, or null for one of its own (never the application's under test)
     * @param options the server's options; its port is taken when set (else a free one)
     * @param reply what to answer a text message with, or null to echo every frame as it came (fragments included)
     */
    public EchoBackend(Vertx vertx, String name, HttpServerOptions options, UnaryOperator<String> reply) {
        this.name = name;
        this.reply = reply;
        this.ownVertx = vertx == null ? Vertx.vertx() : null;
        options.setHost(HttpServerOptions.DEFAULT_HOST.equals(options.getHost()) ? "127.0.0.1" : options.getHost())
                .setPerMessageWebSocketCompressionSupported(true)
                .setWebSocketSubProtocols(List.of("mqtt", "v2.chat"));
        this.server = listen(vertx == null ? ownVertx : vertx, options);
    }

    /**
     * Upgrades are taken in the request handler ({@code toWebSocket()}), not with a {@code webSocketHandler}: Quarkus,
     * in an app without a WebSocket extension, sets the JVM-wide system property {@code vertx.disableWebsockets}, and a
     * Vert.x HTTP server class initialised after that (the next app a Quarkus test run starts in the same JVM) hands
     * upgrades to the request handler as plain requests: they would get 200 and a JSON body instead of 101.
     */
    private HttpServer listen(Vertx on, HttpServerOptions options) {
        try {
            int port = options.getPort() == HttpServerOptions.DEFAULT_PORT ? 0 : options.getPort();
            return on.createHttpServer(options.setPort(port))
                    .requestHandler(req -> {
                        if (req.headers().contains(HttpHeaders.UPGRADE, HttpHeaders.WEBSOCKET, true)) {
                            req.toWebSocket().onSuccess(this::onWebSocket);
                        } else if (req.method().name().equals("POST")) {
                            req.body().onSuccess(b -> req.response().putHeader("x-backend", name).end(b));
                        } else {
                            req.response().putHeader("content-type", "application/json").putHeader("x-backend", name)
                                    .end(describe(req.path(), req.uri(), req.headers()).encode());
                        }
                    })
                    .listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            close();
            throw new IllegalStateException("echo backend " + name + " could not listen", e);
        }
    }

    private void onWebSocket(ServerWebSocket ws) {
        upgrades.incrementAndGet();
        open.add(ws);
        ws.closeHandler(v -> open.remove(ws));
        JsonObject handshake = describe(ws.path(), ws.uri(), ws.headers());
        ws.frameHandler(frame -> {
            if (frame.isText() && frame.isFinal() && "whoami".equals(frame.textData())) {
                ws.writeTextMessage(handshake.encode());
            } else if (frame.isText() && "close-me".equals(frame.textData())) {
                ws.close((short) 4000, "asked to");
            } else if (frame.isText() && frame.isFinal() && reply != null) {
                ws.writeTextMessage(reply.apply(frame.textData()));
            } else if (!frame.isClose()) {
                ws.writeFrame(frame);
            }
        });
    }

    private JsonObject describe(String path, String uri, MultiMap headers) {
        Map<String, Object> h = new TreeMap<>(); // names in lower case, repeated headers joined
        headers.forEach(e -> h.merge(e.getKey().toLowerCase(Locale.ROOT), e.getValue(), (a, b) -> a + "," + b));
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
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().join();
        }
        if (ownVertx != null) {
            ownVertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }
}

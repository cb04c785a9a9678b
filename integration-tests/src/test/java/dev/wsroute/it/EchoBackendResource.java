package dev.wsroute.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/** Starts a Vert.x WebSocket echo server and writes a routes file like the app's routes.yaml, pointing at it. */
public class EchoBackendResource implements QuarkusTestResourceLifecycleManager {
    private Vertx vertx;
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            vertx = Vertx.vertx();
            server = vertx.createHttpServer()
                    .webSocketHandler(ws -> {
                        ws.accept();
                        ws.textMessageHandler(ws::writeTextMessage);
                    })
                    .requestHandler(r -> r.response().setStatusCode(500).end("not for plain HTTP"))
                    .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            Path dir = Files.createTempDirectory("wsroute-it");
            Path routes = dir.resolve("routes.yaml");
            Files.writeString(routes, """
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: echo, namespace: default}
                    spec:
                      rules:
                        - match: {path: {type: Prefix, value: /ws}}
                          backends: [{endpoints: ["127.0.0.1:%d"]}]
                    """.formatted(server.actualPort()));
            return Map.of("wsroute.routes-file", routes.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
        if (vertx != null) {
            vertx.close();
        }
    }
}

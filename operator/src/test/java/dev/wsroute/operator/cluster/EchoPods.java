package dev.wsroute.operator.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/** Vert.x WebSocket echo servers on 127.0.0.1 standing in for pods: each prefixes its replies with its name. */
final class EchoPods {
    private EchoPods() {
    }

    static HttpServer start(Vertx vertx, String name) throws Exception {
        return vertx.createHttpServer()
                .requestHandler(req -> req.toWebSocket()
                        .onSuccess(ws -> ws.textMessageHandler(m -> ws.writeTextMessage(name + ":" + m)))
                        .onFailure(e -> req.response().setStatusCode(400).end()))
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
    }
}

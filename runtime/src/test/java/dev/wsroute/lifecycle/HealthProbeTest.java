package dev.wsroute.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.wsroute.model.Lifecycle.ActiveCheck;
import dev.wsroute.model.Lifecycle.ActiveCheck.Type;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.RuleKey;
import dev.wsroute.testing.RawUpstream;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * Each probe type against real servers (Vert.x, plain sockets) that pass or fail in every way the issue names:
 * refuse, answer 500, hang, and fail the WebSocket probe while TCP and HTTP still pass.
 */
class HealthProbeTest {
    private static final RuleKey RULE = new RuleKey(new RouteId("default", "chat"), "rule-0", 0);
    private static NioEventLoopGroup group;
    private static Bootstrap bootstrap;
    private static Vertx vertx;
    private static HttpServer healthy;
    private static HttpServer answers500;
    private static HttpServer noWebSocket;

    @BeforeAll
    static void start() throws Exception {
        group = new NioEventLoopGroup(1);
        bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class);
        vertx = Vertx.vertx();
        healthy = listen(vertx.createHttpServer().webSocketHandler(ws -> ws.handler(ws::write))
                .requestHandler(r -> r.response().setStatusCode(r.path().equals("/moved") ? 302 : 200).end("ok")));
        answers500 = listen(vertx.createHttpServer().webSocketHandler(ws -> ws.reject(500))
                .requestHandler(r -> r.response().setStatusCode(500).end()));
        noWebSocket = listen(vertx.createHttpServer().requestHandler(r -> r.response().end("no upgrades here")));
    }

    private static HttpServer listen(HttpServer s) throws Exception {
        return s.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A probe given 10 s: a server that answers passes or fails on its answer, however loaded the machine. */
    private static String probe(Type type, String path, int port) throws Exception {
        return probe(type, path, port, Duration.ofSeconds(10));
    }

    private static String probe(Type type, String path, int port, Duration timeout) throws Exception {
        ActiveCheck check = new ActiveCheck(type, path, timeout, timeout, 1, 1);
        HealthProbe.Target t = new HealthProbe.Target(RULE, "127.0.0.1:" + port, new InetSocketAddress("127.0.0.1", port), check,
                "127.0.0.1:" + port, null);
        return HealthProbe.run(bootstrap, group.next(), t).get(60, TimeUnit.SECONDS);
    }

    private static int closedPort() throws Exception {
        return port(RawUpstream.refusedEndpoint());
    }

    private static int port(String endpoint) {
        return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
    }

    @Test
    void aHealthyServerPassesEveryProbe() throws Exception {
        assertThat(probe(Type.TCP, null, healthy.actualPort())).isNull();
        assertThat(probe(Type.HTTP, "/healthz", healthy.actualPort())).isNull();
        assertThat(probe(Type.HTTP, "/moved", healthy.actualPort())).as("3xx passes").isNull();
        assertThat(probe(Type.WebSocket, "/healthz", healthy.actualPort())).isNull();
    }

    @Test
    void aRefusedConnectionFailsEveryProbe() throws Exception {
        int port = closedPort();
        for (Type type : Type.values()) {
            assertThat(probe(type, "/", port)).as(type.name()).startsWith("connect failed");
        }
    }

    @Test
    void aServerAnswering500FailsHttpAndWebSocketButNotTcp() throws Exception {
        assertThat(probe(Type.TCP, null, answers500.actualPort())).isNull();
        assertThat(probe(Type.HTTP, "/healthz", answers500.actualPort())).isEqualTo("GET /healthz answered 500");
        assertThat(probe(Type.WebSocket, "/healthz", answers500.actualPort())).isEqualTo("upgrade on /healthz answered 500");
    }

    @Test
    void aServerWithoutWebSocketsFailsOnlyTheWebSocketProbe() throws Exception {
        assertThat(probe(Type.TCP, null, noWebSocket.actualPort())).isNull();
        assertThat(probe(Type.HTTP, "/healthz", noWebSocket.actualPort())).isNull();
        assertThat(probe(Type.WebSocket, "/healthz", noWebSocket.actualPort())).isEqualTo("upgrade on /healthz answered 200");
    }

    @Test
    void aServerThatClosesMidCheckFailsHttpAndWebSocketAtOnce() throws Exception {
        try (RawUpstream closing = new RawUpstream(RawUpstream.Mode.CLOSE_BEFORE_ANSWER)) {
            assertThat(probe(Type.TCP, null, port(closing.endpoint()))).isNull();
            assertThat(probe(Type.HTTP, "/healthz", port(closing.endpoint()))).isEqualTo("connection closed before the check passed");
            assertThat(probe(Type.WebSocket, "/healthz", port(closing.endpoint()))).isEqualTo("connection closed before the check passed");
        }
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws Exception {
        try (RawUpstream silent = new RawUpstream(RawUpstream.Mode.SILENT)) {
            assertThat(probe(Type.TCP, null, port(silent.endpoint()))).isNull();
            Duration timeout = Duration.ofMillis(1500);
            assertThat(probe(Type.HTTP, "/healthz", port(silent.endpoint()), timeout)).isEqualTo("no answer within 1500 ms");
            assertThat(probe(Type.WebSocket, "/healthz", port(silent.endpoint()), timeout)).isEqualTo("no answer within 1500 ms");
        }
    }
}

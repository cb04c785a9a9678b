package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.PackagedApp;
import dev.wsroute.testing.WsClient;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * The packaged application in sidecar mode, stopped as the kubelet stops its pod: SIGTERM with a WebSocket open through
 * it to a route's pod and a plain HTTP request under way to the app container. Readiness DOWN at once; requests during
 * the shutdown delay still reach the app (Connection: close); the request under way gets its answer after the listener
 * closed; the WebSocket drains and gets Close 1001; the process exits. (The app's preStop in deploy/sidecar keeps the
 * app up meanwhile: InstallManifestsTest.)
 */
class SidecarSigtermIT {
    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private final KubernetesServer server = new KubernetesServer(false, true, InetAddress.getLoopbackAddress(), 0, List.of());
    private PackagedApp app;
    private EchoBackend pod;
    private Vertx vertx;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        if (pod != null) {
            pod.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
        server.after();
    }

    @Test
    void drainsItsSocketsAndFinishesTheAppsRequestsThenExits() throws Exception {
        assertThat(JAR).as("built by the package phase").exists();
        server.before();
        KubernetesClient k8s = server.getClient();
        Fixtures.registerCrd(k8s);
        pod = EchoBackend.named("pod");
        k8s.resource(Fixtures.route("default", "ws", List.of(), "/ws", "echo", "80")).create();
        WebSocketRoute r = k8s.resources(WebSocketRoute.class).inNamespace("default").withName("ws").get();
        MutableView operatorView = new MutableView().put(Fixtures.service("default", "echo", 80, "ws"))
                .put(Fixtures.slice("default", "echo", "echo", "ws", pod.port(), List.of("127.0.0.1"), List.of())).put(r);
        r.setStatus(StatusMerge.merge(null, new Translator().translate(operatorView).statuses().get(Translator.id(r)), Instant.now()));
        k8s.resource(r).updateStatus();

        // the app container: /slow answers when the test says so, anything else at once
        vertx = Vertx.vertx();
        CountDownLatch slowArrived = new CountDownLatch(1);
        CompletableFuture<Void> releaseSlow = new CompletableFuture<>();
        HttpServer appServer = vertx.createHttpServer().requestHandler(req -> {
            if (req.path().equals("/slow")) {
                slowArrived.countDown();
                releaseSlow.thenRun(() -> vertx.runOnContext(v -> req.response().end("slow done")));
            } else {
                req.response().end("app");
            }
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

        app = PackagedApp.start(JAR, Map.of("WSROUTE_MODE", "sidecar",
                "WSROUTE_SIDECAR_APP_PORT", String.valueOf(appServer.actualPort()),
                "WSROUTE_LISTEN_TLS_ENABLED", "false", "WSROUTE_DRAIN_PERIOD", "3s",
                "QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL", k8s.getMasterUrl().toString(),
                "QUARKUS_KUBERNETES_CLIENT_TRUST_CERTS", "true", "QUARKUS_KUBERNETES_CLIENT_NAMESPACE", "default"),
                dir.resolve("wsroute.log"), WAIT);
        int port = app.port;
        assertThat(get(port, "/")).startsWith("http/1.1 200").endsWith("app");

        try (WsClient ws = WsClient.connect(port, "/ws/room")) {
            assertThat(ws.roundTrip("before")).isEqualTo("pod:before");
            CompletableFuture<String> underWay = CompletableFuture.supplyAsync(() -> {
                try {
                    return get(port, "/slow");
                } catch (IOException e) {
                    return e.toString();
                }
            });
            assertThat(slowArrived.await(60, TimeUnit.SECONDS)).as("the request reached the app").isTrue();

            app.sigterm(); // the pod is deleted
            await().atMost(WAIT).until(() -> !app.alive() || app.readiness() == 503);
            assertThat(app.alive()).as("log:%n%s", app.log()).isTrue();
            assertThat(get(port, "/")).as("during the delay: still the app's, and told to go elsewhere")
                    .startsWith("http/1.1 200").contains("connection: close").endsWith("app");

            await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(app::refuses);
            releaseSlow.complete(null); // the app answers the request under way only now
            assertThat(underWay.get(60, TimeUnit.SECONDS)).as("log:%n%s", app.log()).startsWith("http/1.1 200")
                    .endsWith("slow done");
            assertThat(ws.awaitClose()).as("log:%n%s", app.log()).isEqualTo(1001);
        }
        assertThat(app.exitedWithin(Duration.ofSeconds(30))).as("exited; log:%n%s", app.log()).isTrue();
        assertThat(app.log()).contains("draining 1 WebSocket(s)").doesNotContain("Exception");
    }

    /** A GET through the listener: the answer (head and body), lower-cased head. */
    private static String get(int port, String path) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(60_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            String text;
            while (!(text = b.toString(StandardCharsets.US_ASCII)).contains("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    return text.toLowerCase(Locale.ROOT);
                }
                b.write(c);
            }
            String head = text.toLowerCase(Locale.ROOT);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("content-length: *(\\d+)").matcher(head);
            int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
            byte[] body = in.readNBytes(length);
            return head + new String(body, StandardCharsets.UTF_8);
        }
    }
}

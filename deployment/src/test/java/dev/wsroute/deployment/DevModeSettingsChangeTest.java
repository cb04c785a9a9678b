package dev.wsroute.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusDevModeTest;

/**
 * Dev mode: a live reload that changes a {@code wsroute.*} setting starts a new data plane, and the app stays reachable
 * through it. Quarkus keeps the app's HTTP server (and its port) across the reload, so the new data plane must still know
 * where the app is: before, it answered 404 to everything no route claims until dev mode was restarted.
 */
class DevModeSettingsChangeTest {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** A fixed port, so that the new data plane binds where the old one was (as with the default 8080). */
    static final int PORT = freePort();

    @RegisterExtension
    static final QuarkusDevModeTest APP = DevModeListener.helloAppOnPort(PORT);

    /** Chosen once per JVM: the test class is initialised in more than one class loader, which must agree on it. */
    static int freePort() {
        String chosen = System.getProperty("test.devmode-settings-port");
        if (chosen == null) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                chosen = String.valueOf(s.getLocalPort());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            System.setProperty("test.devmode-settings-port", chosen);
        }
        return Integer.parseInt(chosen);
    }

    @Test
    void theAppIsStillReachableThroughTheListenerAfterAReloadThatRestartsTheDataPlane() throws Exception {
        assertThat(get("/hello").body()).isEqualTo("hello");

        APP.modifyResourceFile("application.properties", s -> s + "wsroute.limits.http-idle-timeout=61s\n");
        APP.modifySourceFile(DevModeHelloRoutes.class, s -> s.replace("rc.end(\"hello\")", "rc.end(\"hello again\")"));
        // a request through the listener triggers the reload; the data plane it came through is replaced, so that
        // request may be cut; the ones after it go through the new data plane to the reloaded app
        AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .untilAsserted(() -> {
                    last.set(get("/hello"));
                    assertThat(last.get().body()).isEqualTo("hello again");
                });
        assertThat(last.get().statusCode()).isEqualTo(200);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

package dev.wsroute.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusDevModeTest;

/**
 * Dev mode: {@code wsroute.default-backend.target=none} added by a live reload (here as a {@code %dev.} setting) takes
 * effect: what no route claims is answered 404 instead of reaching the app; and removing it again is picked up by the
next requests through the listener, though none of them reaches the app (Quarkus reloads on a request to the app's
own server: the listener asks for the scan itself).
 * Before, the data plane kept sending it to the app it had found before the reload (it stood in for an app whose port
 * was not known yet, and so also for "none").
 */
class DevModeDefaultBackendChangeTest {
    /** A fixed port, so that the new data plane binds where the old one was (as with the default 8080). */
    static final int PORT = DevModeSettingsChangeTest.freePort();

    @RegisterExtension
    static final QuarkusDevModeTest APP = DevModeListener.helloAppOnPort(PORT);

    @Test
    void noneTakesEffectOnReload() throws Exception {
        assertThat(DevModeListener.get(PORT, "/hello").body()).isEqualTo("hello");

        APP.modifyResourceFile("application.properties", s -> s + "%dev.wsroute.default-backend.target=none\n");
        // the request that triggers a reload that changes a wsroute setting is cut: send it again
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .untilAsserted(() -> assertThat(DevModeListener.get(PORT, "/hello").statusCode()).isEqualTo(404));

        // requests answered 404 never reach the app, whose requests make Quarkus look for changes: the listener's do
        APP.modifyResourceFile("application.properties", s -> s.replace("%dev.wsroute.default-backend.target=none\n", ""));
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .untilAsserted(() -> assertThat(DevModeListener.get(PORT, "/hello").body()).isEqualTo("hello"));
    }
}

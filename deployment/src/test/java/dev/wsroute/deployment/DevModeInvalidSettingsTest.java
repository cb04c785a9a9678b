package dev.wsroute.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusDevModeTest;

/**
 * Dev mode: an invalid wsroute setting saved by mistake keeps the running data plane, so the browser on the listener's
 * port gets Quarkus's error page naming the property, and the next request after the fix reloads the app. Before, the
 * data plane was stopped for the new settings, the start then failed, and nothing listened on the port any more: no
 * error page, and no request could reach the app to trigger the reload that the fix needed.
 */
class DevModeInvalidSettingsTest {

    @RegisterExtension
    static final QuarkusDevModeTest APP = DevModeListener.helloApp("");

    @Test
    void anInvalidSettingShowsTheErrorPageThroughTheListenerAndTheFixReloads() throws Exception {
        int port = DevModeListener.port(APP);
        assertThat(DevModeListener.get(port, "/hello").body()).isEqualTo("hello");

        APP.modifyResourceFile("application.properties", s -> s + "wsroute.limits.max-connections=-5\n");
        Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            HttpResponse<String> page = DevModeListener.get(port, "/hello");
            assertThat(page.statusCode()).isEqualTo(500);
            assertThat(page.body()).contains("wsroute.limits.max-connections is -5");
        });

        APP.modifyResourceFile("application.properties", s -> s.replace("wsroute.limits.max-connections=-5\n", ""));
        Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(DevModeListener.get(port, "/hello").body()).isEqualTo("hello"));
    }

}

package dev.wsroute.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusDevModeTest;

/**
 * Dev mode: wsroute.listen.port changed to a port something else holds keeps the running listener, so the browser on
 * it gets Quarkus's error page naming the port and the property, and once the port is free the next request reloads
 * the app onto it. Before, the running data plane was stopped for the new settings, the new one could not bind, and
 * nothing listened any more: no error page, and no request could reach the app to trigger the reload.
 */
class DevModePortTakenTest {

    @RegisterExtension
    static final QuarkusDevModeTest APP = DevModeListener.helloApp("");

    @Test
    void aTakenPortKeepsTheRunningListenerWithTheErrorPageAndTheAppMovesOnceItIsFree() throws Exception {
        int port = DevModeListener.port(APP);
        assertThat(DevModeListener.get(port, "/hello").body()).isEqualTo("hello");

        int taken;
        try (ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            taken = other.getLocalPort();
            APP.modifyResourceFile("application.properties", s -> s.replace("wsroute.listen.port=0", "wsroute.listen.port=" + taken));
            Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                HttpResponse<String> page = DevModeListener.get(port, "/hello");
                assertThat(page.statusCode()).isEqualTo(500);
                assertThat(page.body()).contains("cannot bind 127.0.0.1:" + taken, "wsroute.listen.port");
            });
        } // the port is free now

        APP.modifyResourceFile("application.properties", s -> s + "# freed\n");
        Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
            try {
                DevModeListener.get(port, "/hello"); // a request through the old listener starts the reload
            } catch (java.io.IOException goneOnceTheNewOneListens) {
                // the old listener closed: the reload has happened
            }
            assertThat(DevModeListener.get(taken, "/hello").body()).isEqualTo("hello");
        });
    }
}

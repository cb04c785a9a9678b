package dev.wsroute.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.wsroute.runtime.WsRouteRuntime;
import io.quarkus.test.QuarkusUnitTest;
import io.restassured.RestAssured;

/**
 * A warm-up that cannot end while the test runs: the instance stays out of rotation saying why, while it is alive and
 * its listener serves; the app still stops at once when it ends (the warm-up is stopped with it).
 */
class WarmUpReadinessTest {
    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .overrideConfigKey("quarkus.http.test-port", "0")
            .overrideConfigKey("wsroute.warm-up.sessions", "100000000")
            .overrideConfigKey("wsroute.listen.port", "0")
            .overrideConfigKey("wsroute.listen.host", "127.0.0.1")
            .overrideConfigKey("wsroute.listen.tls-enabled", "false")
            .overrideConfigKey("wsroute.default-backend.target", "none");

    @Inject
    WsRouteRuntime wsroute;

    @Test
    void notReadyWhileWarmingUpYetAliveAndServing() throws Exception {
        RestAssured.when().get("/q/health/ready").then().statusCode(503);
        assertThat(RestAssured.get("/q/health/ready").asString()).contains("\"warmingUp\": true");
        RestAssured.when().get("/q/health/live").then().statusCode(200);
        RestAssured.when().get("/q/health/started").then().statusCode(200);
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", wsroute.dataPlane().port())) {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes());
            assertThat(new String(s.getInputStream().readAllBytes())).as("no route: the default backend's 404, at once")
                    .startsWith("HTTP/1.1 404");
        }
    }
}

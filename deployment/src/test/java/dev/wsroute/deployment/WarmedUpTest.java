package dev.wsroute.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;
import io.restassured.RestAssured;

/** A warm-up that ends: ready after it, saying what it ran. */
class WarmedUpTest {
    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .overrideConfigKey("quarkus.http.test-port", "0")
            .overrideConfigKey("wsroute.warm-up.sessions", "300")
            .overrideConfigKey("wsroute.warm-up.requests", "400")
            .overrideConfigKey("wsroute.listen.port", "0")
            .overrideConfigKey("wsroute.listen.host", "127.0.0.1")
            .overrideConfigKey("wsroute.listen.tls-enabled", "false")
            .overrideConfigKey("wsroute.default-backend.target", "none");

    @Test
    void readyOnceItHasRun() {
        Awaitility.await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> RestAssured.when().get("/q/health/ready").then().statusCode(200));
        assertThat(RestAssured.get("/q/health/ready").asString())
                .containsPattern("\"warmUp\": \"300 WebSocket sessions and 400 HTTP requests in \\d+\\.\\d s\"")
                .doesNotContain("warmingUp");
    }
}

package dev.wsroute.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.wsroute.runtime.WsRouteRuntime;
import io.quarkus.test.QuarkusUnitTest;
import io.restassured.RestAssured;

/** The extension in a bare app: a routes file that never validated keeps the instance out of rotation, saying why. */
class InvalidRoutesFileReadinessTest {
    static final Path ROUTES = routesFile();

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .overrideConfigKey("quarkus.http.test-port", "0")
            .overrideConfigKey("wsroute.routes-file", ROUTES.toString())
            .overrideConfigKey("wsroute.listen.port", "0")
            .overrideConfigKey("wsroute.listen.host", "127.0.0.1")
            .overrideConfigKey("wsroute.listen.tls-enabled", "false")
            .overrideConfigKey("wsroute.default-backend.target", "none");

    @Inject
    WsRouteRuntime wsroute;

    static Path routesFile() {
        try {
            // a fixed path: QuarkusUnitTest initialises this class in two class loaders, which must agree on it
            Path f = Files.createDirectories(Path.of("target", "invalid-routes-test")).resolve("routes.yaml").toAbsolutePath();
            Files.writeString(f, """
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: broken}
                    spec:
                      rules:
                        - match: {path: {type: Prefix, value: no-slash}}
                          backends: [{endpoints: ["127.0.0.1:9"]}]
                    """);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void notReadyWithTheFieldNamedThenReadyOnceTheFileIsFixed() throws Exception {
        assertThat(wsroute.dataPlane().accepting()).isTrue();
        RestAssured.when().get("/q/health/ready").then().statusCode(503);
        String body = RestAssured.get("/q/health/ready").asString();
        assertThat(body).contains("spec.rules[0].match.path.value").contains("document 0");
        // but alive: a bad file is no reason to restart; the I/O threads run their heartbeat
        RestAssured.when().get("/q/health/live").then().statusCode(200);
        assertThat(RestAssured.get("/q/health/live").asString()).contains("\"ioThreadSilenceSeconds\": ");

        Files.writeString(ROUTES, Files.readString(ROUTES).replace("no-slash", "/fixed"));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .untilAsserted(() -> RestAssured.when().get("/q/health/ready").then().statusCode(200));
    }
}

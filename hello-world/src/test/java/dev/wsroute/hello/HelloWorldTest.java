package dev.wsroute.hello;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * An app with only quarkus-rest and the extension, no settings: it serves through the listener, and its class path
 * has no Micrometer (the enforcer rule in this module's pom checks the resolved dependencies, this test the running app).
 */
@QuarkusTest
class HelloWorldTest {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @ConfigProperty(name = "wsroute.listen.test-port")
    int listener;

    @Test
    void theAppAnswersThroughTheListener() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener + "/hello")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello");
    }

    @Test
    void theRunningAppHasNoMicrometerAndNoSmallRyeHealth() {
        ClassLoader app = Thread.currentThread().getContextClassLoader();
        assertThat(app.getResource("dev/wsroute/metrics/Meters.class")).as("the extension is on the class path").isNotNull();
        assertThat(app.getResource("io/micrometer/core/instrument/MeterRegistry.class")).isNull();
        assertThat(app.getResource("io/smallrye/health/SmallRyeHealthReporter.class")).isNull();
    }
}

package dev.wsroute.operator.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * `java -jar` with no configuration: the demo's routes are in force before the data plane binds, so the first request
 * to reach the port is routed, not answered 404 by the empty table while start-up goes on.
 */
@QuarkusTest
@TestProfile(DemoRoutesBeforeListeningTest.NoConfiguration.class)
class DemoRoutesBeforeListeningTest {

    public static class NoConfiguration implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wsroute.mode", "standalone", "wsroute.demo.echo-port", "0", "demo-test.first-request-at-startup", "true");
        }
    }

    @Inject
    FirstRequestAtStartup probe;

    @Test
    void theFirstRequestOnceTheListenerIsBoundGetsTheDemoPage() {
        assertThat(probe.answer()).as("GET / asked at start-up, just after the listener bound").isEqualTo("200");
    }
}

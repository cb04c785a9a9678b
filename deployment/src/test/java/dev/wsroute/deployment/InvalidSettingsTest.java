package dev.wsroute.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;

/**
 * A wsroute limit that converts but cannot work stops the start with one line naming it; before, the app started with
 * a listener that refused every connection (max-connections below 1).
 */
class InvalidSettingsTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .overrideConfigKey("wsroute.listen.tls-enabled", "false")
            .overrideConfigKey("wsroute.limits.max-connections", "-5")
            .assertException(e -> assertThat(PortClashTest.rootCause(e)).hasMessage(
                    "wsroute: invalid settings: wsroute.limits.max-connections is -5, must be at least 1"));

    @Test
    void startUpFailsWithOneLineNamingTheProperty() {
        // the assertion is on the start-up failure, above
    }
}

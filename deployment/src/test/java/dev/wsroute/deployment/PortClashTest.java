package dev.wsroute.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusUnitTest;

/** The app's HTTP server and the listener set to one port: start-up fails with one line naming both properties. */
class PortClashTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .overrideConfigKey("quarkus.http.host", "0.0.0.0")
            .overrideConfigKey("quarkus.http.test-port", "1")
            .overrideConfigKey("wsroute.listen.test-port", "1")
            .assertException(e -> assertThat(rootCause(e)).hasMessageStartingWith(
                    "wsroute.listen.test-port and quarkus.http.test-port are both 1: the wsroute listener is the app's public port"));

    static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    @Test
    void startUpFailsWithOneLineNamingBothProperties() {
        // the assertion is on the start-up failure, above
    }
}

package dev.wsroute.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.InetAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

import dev.wsroute.metrics.Meters;
import dev.wsroute.proxy.DataPlane;
import dev.wsroute.proxy.ListenerBindException;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.testing.TestConfig;
import io.quarkus.runtime.configuration.ConfigurationException;

/** A port in use is one line that names the property moving it (Quarkus prints a ConfigurationException alone). */
class ListenerPortsTest {

    @Test
    void aPlainPortInUseNamesWsrouteListenPort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            DataPlane dataPlane = new DataPlane(TestConfig.wsroute("wsroute.listen.port", "" + taken.getLocalPort()), new RouteTableHolder(),
                    Meters.NONE, () -> null);
            ListenerBindException e = catchBind(dataPlane);
            assertThat(e.tls()).isFalse();
            ConfigurationException one = ListenerPorts.explain(e);
            assertThat(one.getMessage()).doesNotContain("\n")
                    .contains("127.0.0.1:" + taken.getLocalPort(), "wsroute.listen.port", "WSROUTE_LISTEN_PORT");
            assertThat(one.getCause()).as("no cause: Quarkus prints the root cause's message only").isNull();
        }
    }

    @Test
    void aTlsPortInUseNamesTheTlsPortProperty() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            DataPlane dataPlane = new DataPlane(TestConfig.wsroute("wsroute.listen.tls-enabled", "true", "wsroute.listen.tls-port", "" + taken.getLocalPort()),
                    new RouteTableHolder(),
                    Meters.NONE, () -> null);
            ListenerBindException e = catchBind(dataPlane);
            assertThat(e.tls()).isTrue();
            assertThat(ListenerPorts.explain(e).getMessage()).contains("wsroute.listen.tls-port", "wsroute.listen.tls-enabled=false");
        }
    }

    private static ListenerBindException catchBind(DataPlane dataPlane) {
        Throwable thrown = catchThrowable(dataPlane::start);
        assertThat(thrown).isInstanceOf(ListenerBindException.class);
        return (ListenerBindException) thrown;
    }
}

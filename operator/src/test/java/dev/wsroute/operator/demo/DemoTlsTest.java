package dev.wsroute.operator.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.wsroute.runtime.WsRouteRuntime;
import dev.wsroute.testing.WsClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The application as `java -jar` starts it with no configuration (standalone, no routes file): the built-in demo
 * serves wss:// on its TLS listener with the self-signed certificate it made at startup for localhost.
 */
@QuarkusTest
@TestProfile(DemoTlsTest.NoConfiguration.class)
class DemoTlsTest {

    public static class NoConfiguration implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("wsroute.mode", "standalone", "wsroute.listen.tls-enabled", "true", "wsroute.listen.tls-port", "0",
                    "wsroute.demo.echo-port", "0");
        }
    }

    @Inject
    WsRouteRuntime runtime;

    @Test
    void wssToTheDemoEchoesWithASelfSignedLocalhostCertificate() throws Exception {
        List<X509Certificate> seen = new CopyOnWriteArrayList<>();
        HttpClient client = HttpClient.newBuilder().sslContext(acceptingAndRecording(seen)).build();
        try (WsClient ws = WsClient.connect(client, "wss://localhost:" + runtime.dataPlane().tlsPort() + "/echo", Map.of())) {
            assertThat(ws.roundTrip("over the demo's TLS")).isEqualTo("over the demo's TLS");
        }
        assertThat(seen).isNotEmpty();
        X509Certificate leaf = seen.get(0);
        assertThat(leaf.getSubjectX500Principal()).as("self-signed").isEqualTo(leaf.getIssuerX500Principal());
        assertThat(leaf.getSubjectX500Principal().getName()).contains("CN=localhost");
        assertThat(leaf.getSubjectAlternativeNames()).extracting(n -> String.valueOf(n.get(1))).contains("localhost", "127.0.0.1");
    }

    /** Accepts the demo's self-signed certificate, as a user's `curl -k` would, and records it. */
    private static SSLContext acceptingAndRecording(List<X509Certificate> seen) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] { new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen.add(chain[0]);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        } }, new SecureRandom());
        return ctx;
    }
}

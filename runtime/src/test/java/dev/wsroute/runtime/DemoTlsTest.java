package dev.wsroute.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.Test;

import dev.wsroute.proxy.DataPlane;
import dev.wsroute.proxy.ProxySettings;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.table.EndpointSource;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.table.TableProblem;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.WsClient;
import dev.wsroute.tls.SecretSource;
import dev.wsroute.tls.StandaloneSecrets;
import dev.wsroute.tls.TlsMaterialResolver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The demo's TLS listener serves wss:// with the self-signed certificate made at startup for localhost. */
class DemoTlsTest {

    @Test
    void wssToTheDemoEchoesWithASelfSignedLocalhostCertificate() throws Exception {
        List<X509Certificate> seen = new ArrayList<>();
        try (EchoBackend echo = EchoBackend.start("echo")) {
            RoutesDocuments.Parsed demo = RoutesDocuments.parse("built-in demo routes", WsRouteRuntime.demoRoutes(echo.port()));
            assertThat(demo.errors()).isEmpty();
            RouteTableHolder tables = new RouteTableHolder();
            List<TableProblem> problems = new ArrayList<>();
            TlsMaterialResolver tls = new TlsMaterialResolver(SecretSource.EMPTY, Optional.empty(), null)
                    .withSecrets(StandaloneSecrets.from(demo.secrets()));
            tables.publish(new TableBuilder(EndpointSource.STATIC, tls).build(1, demo.routes(), problems::add));
            assertThat(problems).isEmpty();
            try (DataPlane proxy = new DataPlane(ProxySettings.defaults().withTls(0).withDrainPeriod(Duration.ofMillis(100)),
                    tables, new SimpleMeterRegistry(), () -> null).start()) {
                HttpClient client = HttpClient.newBuilder().sslContext(recording(seen)).build();
                try (WsClient ws = WsClient.connect(client, "wss://localhost:" + proxy.tlsPort() + "/echo", Map.of())) {
                    assertThat(ws.roundTrip("over the demo's TLS")).isEqualTo("over the demo's TLS");
                }
            }
        }
        assertThat(seen).isNotEmpty();
        X509Certificate leaf = seen.get(0);
        assertThat(leaf.getSubjectX500Principal()).isEqualTo(leaf.getIssuerX500Principal());
        assertThat(leaf.getSubjectX500Principal().getName()).contains("CN=localhost");
    }

    /** Accepts the demo's self-signed certificate, as a user's `curl -k` would, and records it. */
    private static SSLContext recording(List<X509Certificate> seen) throws Exception {
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

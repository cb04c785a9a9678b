package dev.wsroute.tls;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import dev.wsroute.metrics.Meters;
import dev.wsroute.proxy.DataPlane;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.table.EndpointSource;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.testing.Chromium;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TestCertificates.Authority;
import dev.wsroute.testing.TestCertificates.Issued;
import dev.wsroute.testing.TestCertificates.KeyType;
import dev.wsroute.testing.TestConfig;
import io.vertx.core.http.HttpServerOptions;

/**
 * A real browser: headless Chromium trusting the test CA loads https://localhost through wsroute, and the page opens
 * wss:// through wsroute to an echo backend and shows the echo. Browsers refuse untrusted wss:// without a prompt,
 * so this is the check that the served chain, SNI and ALPN are what a browser accepts.
 */
class ChromiumWssTest {
    static final String PAGE = """
            <!doctype html>
            <html><body><pre id="out">waiting</pre><script>
            const out = document.getElementById('out');
            const ws = new WebSocket('wss://' + location.host + '/ws');
            ws.onopen = () => ws.send('hello from chromium');
            ws.onmessage = e => { out.textContent = e.data; };
            ws.onerror = () => { out.textContent = 'websocket error'; };
            </script></body></html>
            """;

    @Test
    void chromiumOpensWssThroughWsrouteAndSeesTheEcho() throws Exception {
        Chromium.require();
        Authority ca = TestCertificates.authority("wsroute browser test CA");
        Issued localhost = ca.leaf("localhost").keyType(KeyType.RSA).build();
        HttpServer pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pages.createContext("/", exchange -> {
            byte[] body = PAGE.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        pages.start();
        RouteTableHolder tables = new RouteTableHolder();
        List<TlsProblem> problems = new ArrayList<>();
        try (EchoBackend echo = new EchoBackend(null, "echo", new HttpServerOptions(), text -> "echo: " + text);
                DataPlane proxy = new DataPlane(TestConfig.withTls("wsroute.drain.period", "200ms"), tables,
                        Meters.NONE, () -> null).start()) {
            String yaml = """
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: browser}
                    spec:
                      hosts: [localhost]
                      tls: {secretName: localhost-tls}
                      rules:
                        - match: {path: {type: Prefix, value: /ws}}
                          backends: [{endpoints: ["127.0.0.1:%d"]}]
                          allowedOrigins: ["https://localhost:%d"]
                      http:
                        backends: [{endpoints: ["127.0.0.1:%d"]}]
                    ---
                    %s
                    """.formatted(echo.port(), proxy.tlsPort(), pages.getAddress().getPort(), localhost.secretYaml("default", "localhost-tls"));
            RoutesDocuments.Parsed parsed = RoutesDocuments.parse("routes.yaml", yaml.getBytes(StandardCharsets.UTF_8));
            assertThat(parsed.errors()).isEmpty();
            TlsMaterialResolver tls = new TlsMaterialResolver(StandaloneSecrets.from(parsed.secrets()), Optional.empty(), null);
            tables.publish(new TableBuilder(EndpointSource.STATIC, tls).build(1, parsed.routes(), problems::add));
            assertThat(problems).isEmpty();

            try (Chromium chromium = Chromium.open("https://localhost:" + proxy.tlsPort() + "/", ca.certificatePem(), proxy.tlsPort())) {
                String[] last = { "" };
                await("the page shows the echo").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                        .untilAsserted(() -> {
                            last[0] = chromium.evaluate("document.getElementById('out') ? document.getElementById('out').textContent : document.title");
                            assertThat(last[0]).as("page text; Chromium log:%n%s", chromium.log()).isEqualTo("echo: hello from chromium");
                        });
                assertThat(chromium.evaluate("location.protocol")).isEqualTo("https:");
                assertThat(chromium.evaluate("performance.getEntriesByType('navigation')[0].nextHopProtocol"))
                        .as("ALPN: a browser that offers h2 gets http/1.1").isEqualTo("http/1.1");
                assertThat(chromium.evaluate("ws.url")).isEqualTo("wss://localhost:" + proxy.tlsPort() + "/ws");
            }
        } finally {
            pages.stop(0);
        }
    }
}

package dev.wsroute.operator.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.wsroute.model.RouteId;
import dev.wsroute.runtime.WsRouteRuntime;
import dev.wsroute.testing.Chromium;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.WsClient;
import dev.wsroute.tls.SelfSignedCertificate;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The status page on the management port, in headless Chromium: it loads from wsroute itself, shows a route and its
 * endpoints, and its open-socket count rises while the test opens WebSockets through the data plane. The JSON API
 * names a route's Secret and never shows what is in it.
 */
@QuarkusTest
@QuarkusTestResource(value = StatusPageTest.StandaloneRoutes.class, restrictToAnnotatedClass = true)
class StatusPageTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final RouteId ROUTE = new RouteId("default", "status");

    /** Standalone mode, a routes file with one route to a real echo backend and a TLS Secret document. */
    public static class StandaloneRoutes implements QuarkusTestResourceLifecycleManager {
        private EchoBackend echo;
        /** Bound, never listening: connections to it are refused, so the health-checked rule ejects it. */
        private java.net.Socket refusing;
        private Path dir;

        @Override
        public Map<String, String> start() {
            echo = EchoBackend.start("echo");
            try {
                dir = Files.createTempDirectory("wsroute-status");
                Path routes = dir.resolve("routes.yaml");
                Files.writeString(routes, """
                        apiVersion: wsroute.dev/v1alpha1
                        kind: WebSocketRoute
                        metadata: {name: status, namespace: default}
                        spec:
                          tls: {secretName: status-tls}
                          rules:
                            - match: {path: {type: Prefix, value: /live}}
                              backends: [{endpoints: ["%s"]}]
                            - match: {path: {type: Prefix, value: /checked}}
                              backends: [{endpoints: ["%s", "127.0.0.1:%d"]}]
                              healthCheck: {passive: {consecutiveFailures: 1, baseEjectionTime: 5m, maxEjectionPercent: 50}}
                        ---
                        %s""".formatted(echo.endpoint(), echo.endpoint(), refusingPort(),
                        SelfSignedCertificate.forNames("wsroute test", "localhost").secretYaml("default", "status-tls")));
                return Map.of("wsroute.mode", "standalone", "wsroute.routes-file", routes.toString());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private int refusingPort() throws IOException {
            refusing = new java.net.Socket();
            refusing.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            return refusing.getLocalPort();
        }

        @Override
        public void stop() {
            if (echo != null) {
                echo.close();
            }
            try {
                if (refusing != null) {
                    refusing.close();
                }
                if (dir != null) {
                    Files.delete(dir.resolve("routes.yaml"));
                    Files.delete(dir);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Inject
    WsRouteRuntime runtime;

    /** The page on the management interface (whose URL includes its root path, /q). */
    @TestHTTPResource(value = "/wsroute", management = true)
    URL managementPage;

    /** As a browser is pointed at it: a management host of 0.0.0.0 (listen everywhere) is reached on 127.0.0.1. */
    URI page() {
        return URI.create(managementPage.toString().replace("://0.0.0.0:", "://127.0.0.1:"));
    }

    @Test
    void thePageShowsTheRouteItsEndpointAndOpenSocketsRisingLive() throws Exception {
        String endpoint = runtime.routeTables().current().route(ROUTE).rules().get(0).pool().endpoints().get(0).key();
        String openCell = "document.querySelector('[data-endpoint=\"default/status#0 " + endpoint + "\"] .open')";
        List<WsClient> clients = new ArrayList<>();
        try (Chromium browser = Chromium.open(page().toString(), page().getPort())) {
            await("the page shows the route and its endpoint").atMost(WAIT)
                    .until(() -> "0".equals(browser.evaluate(openCell + "?.textContent ?? ''")));
            assertThat(browser.evaluate("document.querySelector('[data-route=\"default/status\"] h2').textContent"))
                    .contains("default/status", "serving");
            assertThat(browser.evaluate(openCell + ".parentElement.textContent")).contains(endpoint, "ready", "not checked");
            assertThat(browser.evaluate("document.getElementById('live').textContent")).isEqualTo("live");

            for (int i = 0; i < 3; i++) {
                WsClient c = WsClient.connect(runtime.dataPlane().port(), "/live/" + i);
                clients.add(c);
                assertThat(c.roundTrip("hello " + i)).isEqualTo("hello " + i);
            }
            await("the open-socket count rises to 3").atMost(WAIT)
                    .until(() -> "3".equals(browser.evaluate(openCell + ".textContent")));
            assertThat(browser.evaluate("document.getElementById('open').textContent")).isEqualTo("3");
            int limit = runtime.dataPlane().connectionLimit().effective();
            await("client connections beside the limit in force").atMost(WAIT).ignoreExceptions()
                    .until(() -> Integer.parseInt(browser.evaluate("document.getElementById('clients').textContent")) >= 3);
            assertThat(browser.evaluate("document.getElementById('limit').textContent")).isEqualTo(String.valueOf(limit));
        } finally {
            for (WsClient c : clients) {
                c.close();
            }
        }
    }

    @Test
    void theJsonApiNamesTheSecretButNeverShowsItsContents() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(page() + "/api/status")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(r.body()).contains("\"id\":\"default/status\"", "\"tls\":\"secret status-tls\"", "\"health\":\"not checked\"",
                        "\"clientConnections\":{\"open\":", "\"limit\":" + runtime.dataPlane().connectionLimit().effective())
                .doesNotContain("BEGIN", "PRIVATE", "tls.key", "tls.crt");
        String routesFile = Files.readString(Path.of(org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("wsroute.routes-file", String.class)));
        Matcher key = Pattern.compile("tls.key: (\\S+)").matcher(routesFile);
        assertThat(key.find()).isTrue();
        assertThat(r.body()).doesNotContain(key.group(1).substring(0, 40));
    }

    /** Every metric the Grafana dashboard (deploy/grafana) queries is one wsroute exports (health included), or documents. */
    @Test
    void theGrafanaDashboardQueriesMetricsWsrouteExports() throws Exception {
        try (WsClient c = WsClient.connect(runtime.dataPlane().port(), "/live/metrics")) {
            assertThat(c.roundTrip("counted")).isEqualTo("counted");
            c.sendClose();
            c.awaitClose();
        }
        HttpClient http = HttpClient.newHttpClient();
        URI metrics = URI.create(page().toString().replace("/wsroute", "/metrics"));
        await("an ejection on the health-checked rule").atMost(WAIT).until(() -> {
            try (WsClient c = WsClient.connect(runtime.dataPlane().port(), "/checked")) { // a refused connect moves on
                assertThat(c.roundTrip("checked")).isEqualTo("checked");
            }
            return http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body()
                    .contains("wsroute_endpoint_ejections_total");
        });
        String dashboard = Files.readString(Path.of("../deploy/grafana/wsroute-dashboard.json"));
        String readme = Files.readString(Path.of("../README.md"));
        await("the session's metrics").atMost(WAIT).until(() -> http.send(HttpRequest.newBuilder(metrics).build(),
                HttpResponse.BodyHandlers.ofString()).body().contains("wsroute_websocket_closes_total"));
        String scraped = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("wsroute_[a-z_]+").matcher(dashboard);
        int names = 0;
        while (m.find()) {
            names++;
            String name = m.group().replaceAll("_(sum|count|max|bucket)$", "");
            assertThat(scraped.contains(name + "{") || scraped.contains(name + " ") || readme.contains("`" + name))
                    .as("dashboard metric %s: neither exported here nor documented in the README", name).isTrue();
        }
        assertThat(names).isGreaterThan(10);
    }
}

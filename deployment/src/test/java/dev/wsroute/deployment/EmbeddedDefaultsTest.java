package dev.wsroute.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.wsroute.runtime.WsRouteRuntime;
import dev.wsroute.table.RouteTableHolder;
import io.quarkus.test.QuarkusUnitTest;
import io.vertx.ext.web.Router;

/**
 * An app that adds the extension and a routes file on its classpath, with no port settings: it starts, the listener
 * is on a free port published as wsroute.listen.test-port, the app's own server is on loopback behind it, and no
 * demo takes over what no route claims.
 */
class EmbeddedDefaultsTest {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClass(Hello.class)
                    .addAsResource(new StringAsset("""
                            apiVersion: wsroute.dev/v1alpha1
                            kind: WebSocketRoute
                            metadata: {name: from-classpath, namespace: default}
                            spec:
                              rules:
                                - match: {path: {type: Prefix, value: /ws}}
                                  backends: [{endpoints: ["127.0.0.1:9"]}]
                            """), "routes.yaml")
                    .addAsResource(new StringAsset("wsroute.routes-file=routes.yaml\n"), "application.properties"))
            .setLogRecordPredicate(r -> r.getLoggerName().startsWith("dev.wsroute.runtime"))
            // without a management interface, /q/* is public through the listener: it says so
            .assertLogRecords(records -> assertThat(records).anySatisfy(r -> {
                assertThat(r.getLevel().getName()).isEqualTo("WARN");
                assertThat(r.getMessage()).contains("quarkus.management.enabled is false").contains("served publicly");
            }));

    @ConfigProperty(name = "wsroute.listen.test-port")
    int listener;

    @ConfigProperty(name = "quarkus.http.test-port")
    int appPort;

    @ConfigProperty(name = "quarkus.http.host")
    String appHost;

    @ConfigProperty(name = "wsroute.drain.period")
    Duration drain;

    @Inject
    WsRouteRuntime wsroute;

    @Inject
    RouteTableHolder tables;

    public static class Hello {
        void routes(@Observes Router router) {
            router.get("/hello").handler(rc -> rc.end("hello from the app"));
        }
    }

    @Test
    void theListenerPortIsPublishedAndTheAppsServerIsOnLoopbackBehindIt() {
        assertThat(listener).isPositive().isEqualTo(wsroute.dataPlane().port());
        assertThat(appPort).isPositive().isNotEqualTo(listener);
        assertThat(appHost).isEqualTo("127.0.0.1");
    }

    @Test
    void aTestAppStopsWithoutWaitingForOpenWebSocketsToDrain() {
        assertThat(drain).isZero();
    }

    @Test
    void whatNoRouteClaimsGoesToTheAppNotToADemo() throws Exception {
        assertThat(get("/hello").body()).isEqualTo("hello from the app");
        HttpResponse<String> root = get("/");
        assertThat(root.statusCode()).isEqualTo(404); // the app's own 404: there is no demo page
        assertThat(root.body()).doesNotContain("wsroute");
    }

    @Test
    void theRoutesFileIsReadFromTheClasspath() {
        assertThat(tables.current().routes()).hasSize(1);
        assertThat(tables.current().routes().toString()).contains("from-classpath");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listener + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

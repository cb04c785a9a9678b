package dev.wsroute.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.awaitility.Awaitility;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusDevModeTest;

/**
 * Dev mode: the routes file as a classpath resource ({@code wsroute.routes-file=routes.yaml} in
 * {@code src/main/resources}, as the README's walk-through has it) is read once per start, so an edit of it must reload
 * the app. Before, Quarkus copied the edited file and said "restart not needed": the old routes stayed in force.
 */
class DevModeClasspathRoutesTest {

    @RegisterExtension
    static final QuarkusDevModeTest APP = new QuarkusDevModeTest()
            .setLogRecordPredicate(r -> r.getLoggerName().startsWith("dev.wsroute"))
            .withApplicationRoot(jar -> jar.addClass(DevModeHelloRoutes.class)
                    .addAsResource(new StringAsset("""
                            apiVersion: wsroute.dev/v1alpha1
                            kind: WebSocketRoute
                            metadata: {name: chat}
                            spec:
                              rules:
                                - match: {path: {type: Prefix, value: /ws}}
                                  backends: [{endpoints: ["127.0.0.1:1"]}]
                            """), "routes.yaml")
                    .addAsResource(new StringAsset("""
                            wsroute.listen.host=127.0.0.1
                            wsroute.listen.port=0
                            wsroute.listen.tls-enabled=false
                            wsroute.routes-file=routes.yaml
                            """), "application.properties"));

    @Test
    void editingTheClasspathRoutesFileReloadsTheRoutes() throws Exception {
        int port = DevModeListener.port(APP);
        assertThat(DevModeListener.get(port, "/hello").body()).isEqualTo("hello");

        // plain HTTP for any host now goes to an endpoint nobody listens on: 502 where the app answered
        APP.modifyResourceFile("routes.yaml", s -> s + """
                  http:
                    backends: [{endpoints: ["127.0.0.1:1"]}]
                """);
        Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(DevModeListener.get(port, "/hello").statusCode()).isEqualTo(502));
    }

}

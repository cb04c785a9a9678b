package dev.wsroute.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.logging.LogRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final Pattern LISTENING = Pattern.compile("wsroute listening on http://127\\.0\\.0\\.1:(\\d+)");

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
        int port = listenerPort();
        assertThat(get(port, "/hello").body()).isEqualTo("hello");

        // plain HTTP for any host now goes to an endpoint nobody listens on: 502 where the app answered
        APP.modifyResourceFile("routes.yaml", s -> s + """
                  http:
                    backends: [{endpoints: ["127.0.0.1:1"]}]
                """);
        Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(get(port, "/hello").statusCode()).isEqualTo(502));
    }

    private static int listenerPort() {
        for (LogRecord r : APP.getLogRecords()) {
            Matcher m = LISTENING.matcher(String.valueOf(r.getMessage()));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("no 'wsroute listening on' line in the log");
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

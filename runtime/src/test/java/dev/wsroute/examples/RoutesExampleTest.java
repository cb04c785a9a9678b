package dev.wsroute.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.LogLines;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;

/**
 * The README's routes file, examples/routes.yaml, as written (only its echo backend's port 9001 becomes a free one):
 * a plain client with the documented Host and path gets its messages back, and an upgrade that no rule takes is
 * answered 404 with the parts that did not match, in the body and in the access log.
 */
class RoutesExampleTest {
    static final Path EXAMPLE = Path.of("../examples/routes.yaml");

    EchoBackend echo;
    ProxyHarness px;
    LogLines access;
    List<String> accessLog;

    @BeforeEach
    void start() throws Exception {
        echo = EchoBackend.start("echo");
        px = new ProxyHarness(TestConfig.wsroute());
        String yaml = Files.readString(EXAMPLE);
        assertThat(yaml).contains("127.0.0.1:9001", "chat.example.com");
        px.routes(yaml.replace("127.0.0.1:9001", echo.endpoint()));
        access = LogLines.of("wsroute.access");
        accessLog = access.lines();
    }

    @AfterEach
    void stop() {
        access.close();
        px.close();
        echo.close();
    }

    @Test
    void aPlainClientWithTheDocumentedHostAndPathGetsEchoes() throws Exception {
        try (RawHttp client = new RawHttp(px.port())) {
            String head = client.send(RawHttp.upgradeRequest("/ws", "chat.example.com")).readHead();
            assertThat(RawHttp.status(head)).as(head).isEqualTo(101);
            client.send(RawHttp.maskedText("hello from the README"));
            byte[] frame = client.readServerFrame();
            assertThat(frame[0]).as("text frame").isEqualTo((byte) 1);
            assertThat(new String(frame, 1, frame.length - 1, StandardCharsets.UTF_8)).isEqualTo("hello from the README");
        }
    }

    @Test
    void anUpgradeNoRuleTakesIsAnswered404NamingThePartsThatDidNotMatch() throws Exception {
        try (RawHttp client = new RawHttp(px.port())) {
            String response = client.send(RawHttp.upgradeRequest("/chat", "chat.example.com")).readResponse();
            assertThat(RawHttp.status(response)).isEqualTo(404);
            String why = "no rule matched: default/chat rules[0] (path, header x-tenant, query room); default/chat rules[1] (path)";
            assertThat(response).endsWith("404 Not Found: " + why + "\n");
            // the connection stays usable: a second upgrade on it, for a host no route owns
            String second = client.send(RawHttp.upgradeRequest("/ws", "other.example.com")).readResponse();
            assertThat(second).endsWith("404 Not Found: no route for host other.example.com\n");
            // the access log is written by its own thread, in batches: wait for both lines
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() -> assertThat(accessLog)
                    .anySatisfy(line -> assertThat(line).contains("status=404", why))
                    .anySatisfy(line -> assertThat(line).contains("status=404", "no route for host other.example.com")));
        }
    }
}

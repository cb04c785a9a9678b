package dev.wsroute.proxy;

import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.Peers;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.tls.SecretSource;
import dev.wsroute.tls.StandaloneSecrets;
import dev.wsroute.tls.TlsMaterialResolver;

/**
 * wsroute.listen.proxy-protocol with PROXY headers written by others: HAProxy in TCP mode in front of both listeners
 * ({@code send-proxy} v1 to the plain port, {@code send-proxy-v2} to the TLS port, as an L4 balancer would), and
 * curl's own {@code --haproxy-protocol}. Clients connect from other loopback addresses (127.0.0.2, .3, .4) than the
 * balancer's (127.0.0.1), so the backend's X-Forwarded-For and the rate limit show whom wsroute took for the client.
 */
class ProxyProtocolPeersTest {
    static final Path HAPROXY = Path.of("/usr/sbin/haproxy");
    static final Path CURL = Path.of("/usr/bin/curl");

    @TempDir
    Path dir;
    EchoBackend up;
    ProxyHarness px;
    final List<Process> started = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        up = EchoBackend.start("up");
        px = new ProxyHarness(TestConfig.withTls("wsroute.listen.proxy-protocol", "true"));
        TestCertificates.Authority ca = TestCertificates.authority("proxy protocol CA");
        String yaml = """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: up, namespace: default}
                spec:
                  hosts: [up.test]
                  rules:
                    - match: {path: {type: Prefix, value: /ws}}
                      backends: [{endpoints: ["%1$s"]}]
                      rateLimit: {handshakesPerClient: 1}
                  http: {backends: [{endpoints: ["%1$s"]}]}
                ---
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: secure, namespace: default}
                spec:
                  hosts: [localhost]
                  tls: {secretName: secure-tls}
                  http: {backends: [{endpoints: ["%1$s"]}]}
                ---
                %2$s
                """.formatted(up.endpoint(), ca.issue("localhost").secretYaml("default", "secure-tls"));
        RoutesDocuments.Parsed parsed = RoutesDocuments.parse("routes.yaml", yaml.getBytes(StandardCharsets.UTF_8));
        px.routes(yaml, new TlsMaterialResolver(SecretSource.EMPTY, Optional.empty(), null).withSecrets(StandaloneSecrets.from(parsed.secrets())));
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : started) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        px.close();
        up.close();
    }

    @Test
    void behindHaproxyTheBackendAndTheRateLimitSeeTheOriginalClientsOnBothPorts() throws Exception {
        Peers.require(Files.isExecutable(HAPROXY), "haproxy is not installed: apt-get install haproxy");
        Peers.require(Files.isExecutable(CURL), "curl is not installed: apt-get install curl");
        int plain = freePort();
        int tls = freePort();
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, """
                defaults
                  mode tcp
                  timeout connect 10s
                  timeout client 60s
                  timeout server 60s
                frontend plain
                  bind 127.0.0.1:%d
                  default_backend wsroute_plain
                backend wsroute_plain
                  server w 127.0.0.1:%d send-proxy
                frontend tls
                  bind 127.0.0.1:%d
                  default_backend wsroute_tls
                backend wsroute_tls
                  server w 127.0.0.1:%d send-proxy-v2
                """.formatted(plain, px.port(), tls, px.dataPlane.tlsPort()));
        Process haproxy = start(List.of(HAPROXY.toString(), "-db", "-f", cfg.toString()), dir.resolve("haproxy.log"));
        await().atMost(Duration.ofSeconds(30)).until(() -> haproxy.isAlive() && listening(plain) && listening(tls));

        String viaPlain = curl("--interface", "127.0.0.2", "-H", "Host: up.test", "http://127.0.0.1:" + plain + "/who");
        assertThat(viaPlain).contains("\"x-forwarded-for\":\"127.0.0.2\"").contains("\"x-forwarded-proto\":\"http\"");

        String viaTls = curl("-k", "--interface", "127.0.0.3", "--resolve", "localhost:" + tls + ":127.0.0.1", "https://localhost:" + tls + "/who");
        assertThat(viaTls).contains("\"x-forwarded-for\":\"127.0.0.3\"").contains("\"x-forwarded-proto\":\"https\"")
                .contains("\"forwarded\":\"for=127.0.0.3;host=\\\"localhost:" + tls + "\\\";proto=https\"");

        // two clients behind the one balancer, one handshake a second each: both go through
        for (String client : List.of("127.0.0.2", "127.0.0.3")) {
            Socket s = new Socket();
            s.bind(new InetSocketAddress(client, 0));
            s.connect(new InetSocketAddress("127.0.0.1", plain), 10_000);
            try (RawHttp ws = new RawHttp(s)) {
                String head = ws.send(RawHttp.upgradeRequest("/ws", "up.test")).readHead();
                assertThat(status(head)).as(client + ": " + head).isEqualTo(101);
            }
        }
        assertThat(px.dataPlane.handshakeBuckets()).as("a rate-limit bucket per client, not one for the balancer").isEqualTo(2);
        assertThat(ProxyProtocolTest.errors(px, "malformed") + ProxyProtocolTest.errors(px, "missing")).isZero();
    }

    @Test
    void curlsOwnV1HeaderIsRead() throws Exception {
        Peers.require(Files.isExecutable(CURL), "curl is not installed: apt-get install curl");
        String answer = curl("--haproxy-protocol", "--interface", "127.0.0.4", "-H", "Host: up.test", "http://127.0.0.1:" + px.port() + "/who");
        assertThat(answer).contains("\"x-forwarded-for\":\"127.0.0.4\"");
    }

    private String curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CURL.toString(), "-sS", "--max-time", "30"));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("curl-" + started.size() + ".out");
        Process p = start(cmd, out);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("curl ended").isTrue();
        String text = Files.readString(out);
        assertThat(p.exitValue()).as(text).isZero();
        return text;
    }

    private Process start(List<String> cmd, Path output) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        started.add(p);
        return p;
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

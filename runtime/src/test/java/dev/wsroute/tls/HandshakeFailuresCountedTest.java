package dev.wsroute.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.testing.Peers;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TestCertificates.Authority;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TlsClients;
import io.micrometer.core.instrument.Counter;

/**
 * A client whose TLS handshake failed was closed quietly and counted nowhere: an operator could not tell a broken
 * client fleet (an old TLS version, a CA they do not trust) from silence. Each failure now counts once, by a fixed
 * reason, in {@code wsroute_tls_handshake_failures_total}; a handshake that succeeds counts nothing.
 */
class HandshakeFailuresCountedTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    Authority ca;
    ProxyHarness px;

    @BeforeEach
    void start() throws Exception {
        ca = TestCertificates.authority("failures CA");
        px = new ProxyHarness(TestConfig.withTls("wsroute.limits.request-header-timeout", "1s"));
        String yaml = """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat}
                spec:
                  hosts: [localhost]
                  tls: {secretName: chat-tls}
                  rules: [{backends: [{endpoints: ["127.0.0.1:9"]}]}]
                ---
                %s
                """.formatted(ca.issue("localhost").secretYaml("default", "chat-tls"));
        RoutesDocuments.Parsed parsed = RoutesDocuments.parse("routes.yaml", yaml.getBytes(StandardCharsets.UTF_8));
        px.routes(yaml, new TlsMaterialResolver(SecretSource.EMPTY, Optional.empty(), null)
                .withSecrets(StandaloneSecrets.from(parsed.secrets())));
    }

    @AfterEach
    void stop() {
        px.close();
    }

    @Test
    void eachFailedHandshakeCountsOnceByItsReason() throws Exception {
        SSLContext trusting = ca.clientSslContext();
        TlsClients.connect(trusting, port(), "localhost").close(); // succeeds: counts nothing

        closedAfterSending(ServerHandshakeTest.tls11ClientHello("localhost")); // an old TLS version
        closedAfterSending(new byte[] { 0x15, 0x00, 0x00, 0x00, 0x00, 'n', 'o', 't', 'l', 's' }); // no TLS record
        closedAfterSending(new byte[0]); // never says a word: the ClientHello deadline
        assertThatThrownBy(() -> TlsClients.connect(SSLContext.getDefault(), port(), "localhost")) // does not trust our CA
                .isInstanceOf(SSLException.class);

        await().atMost(WAIT).until(() -> failures().values().stream().mapToDouble(Double::doubleValue).sum() >= 4);
        TlsClients.connect(trusting, port(), "localhost").close(); // and once more: still nothing
        assertThat(failures()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "protocol_version", 1.0, "not_tls", 1.0, "timeout", 1.0, "certificate_rejected", 1.0,
                "no_shared_cipher", 0.0, "no_certificate", 0.0, "closed", 0.0, "other", 0.0));
    }

    /**
     * curl over TLS 1.3, which does not trust the server's CA, refuses the certificate with an alert in the clear
     * (OpenSSL has no write keys yet): BoringSSL saw a bad record, and the refusal was counted {@code other}.
     */
    @Test
    void aTls13CurlThatDoesNotTrustTheCertificateCountsAsRejected() throws Exception {
        Peers.require(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed: apt-get install curl");
        Process curl = new ProcessBuilder("/usr/bin/curl", "-sS", "--tlsv1.3", "--max-time", "30",
                "--resolve", "localhost:" + port() + ":127.0.0.1", "https://localhost:" + port() + "/")
                .redirectErrorStream(true).start();
        String said = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.waitFor()).as(said).isEqualTo(60); // "SSL certificate problem"

        await().atMost(WAIT).until(() -> failures().values().stream().mapToDouble(Double::doubleValue).sum() >= 1);
        assertThat(failures()).containsEntry("certificate_rejected", 1.0).containsEntry("other", 0.0);
    }

    /**
     * A client that offers only suites wsroute does not take (here TLS 1.2 with RSA key exchange, no forward secrecy: an
     * old Java or embedded client) is the case {@code no_shared_cipher} names.
     */
    @Test
    void aClientWithNoSuiteInCommonCountsAsNoSharedCipher() throws Exception {
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress("127.0.0.1", port()), 5_000);
            raw.setSoTimeout(30_000);
            javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ca.clientSslContext().getSocketFactory()
                    .createSocket(raw, "localhost", port(), true);
            javax.net.ssl.SSLParameters p = s.getSSLParameters();
            p.setServerNames(java.util.List.of(new javax.net.ssl.SNIHostName("localhost")));
            p.setProtocols(new String[] { "TLSv1.2" });
            p.setCipherSuites(new String[] { "TLS_RSA_WITH_AES_128_GCM_SHA256" });
            s.setSSLParameters(p);
            assertThatThrownBy(s::startHandshake).isInstanceOf(SSLException.class);
        }
        await().atMost(WAIT).until(() -> failures().values().stream().mapToDouble(Double::doubleValue).sum() >= 1);
        assertThat(failures()).containsEntry("no_shared_cipher", 1.0).containsEntry("other", 0.0);
    }

    /**
     * A client that closes its side halfway through its ClientHello (gave up, or a middlebox cut it) failed its handshake
     * as much as one that resets, and the README counts it {@code closed}; it was counted nowhere (the SNI stage never
     * saw a whole hello, so nothing reported a failure). A connection closed before any byte is no handshake: not counted.
     */
    @Test
    void aClientThatClosesMidClientHelloCountsAsClosed() throws Exception {
        try (Socket silent = new Socket()) { // a TCP health check: connects and closes
            silent.connect(new InetSocketAddress("127.0.0.1", port()), 5_000);
            silent.shutdownOutput();
            silent.setSoTimeout(30_000);
            assertThat(silent.getInputStream().read()).isEqualTo(-1);
        }
        javax.net.ssl.SSLEngine engine = ca.clientSslContext().createSSLEngine("localhost", 443);
        engine.setUseClientMode(true);
        java.nio.ByteBuffer hello = java.nio.ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(java.nio.ByteBuffer.allocate(0), hello);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port()), 5_000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write(hello.array(), 0, hello.position() / 2);
            s.getOutputStream().flush();
            s.shutdownOutput(); // FIN, no RST
            assertThat(s.getInputStream().read()).as("closed without an answer").isEqualTo(-1);
        }
        await().atMost(WAIT).until(() -> failures().get("closed") >= 1);
        assertThat(failures()).as("the health check is no handshake").containsEntry("closed", 1.0).containsEntry("other", 0.0);
    }

    int port() {
        return px.dataPlane.tlsPort();
    }

    /** Sends the bytes and reads until the proxy closes the connection. */
    void closedAfterSending(byte[] bytes) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port()), 5_000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            try {
                while (s.getInputStream().read(new byte[4096]) >= 0) {
                    // what the proxy answers (an alert) until it closes
                }
            } catch (java.net.SocketException reset) {
                // closed as well
            }
        }
    }

    Map<String, Double> failures() {
        Map<String, Double> byReason = new TreeMap<>();
        for (Counter c : px.metrics.get("wsroute.tls.handshake.failures").counters()) {
            byReason.put(c.getId().getTag("reason"), c.count());
        }
        return byReason;
    }
}

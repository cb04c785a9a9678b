package dev.wsroute.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.wsroute.testing.ExternalPeer;
import dev.wsroute.testing.InteropPeers;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TestCertificates.Authority;
import dev.wsroute.testing.TestConfig;
import io.micrometer.core.instrument.Counter;
import io.netty.handler.ssl.SslProvider;

/**
 * A client that reconnects (a browser after a deploy of the app behind wsroute) resumes its TLS session over 1.3 as over
 * 1.2, without the certificate's signature and chain again, and {@code wsroute_tls_handshakes_total{resumed}} says how
 * many of a storm's handshakes did: an operator sees whether clients come back cheaply or pay a full handshake each. A
 * session resumes only under the certificate it began with. The client is python3's ssl module (OpenSSL), which says
 * itself whether it resumed; the server's count must agree with it.
 */
class SessionResumptionTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    Authority ca;
    ProxyHarness px;
    Path caFile;

    @BeforeEach
    void start() throws Exception {
        ca = TestCertificates.authority("resumption CA");
        caFile = ca.writeCertificatePem(dir.resolve("ca.pem"));
        px = new ProxyHarness(TestConfig.withTls());
    }

    @AfterEach
    void stop() {
        if (px != null) {
            px.close();
        }
    }

    @Test
    void aClientThatComesBackResumesOverTls13AndTls12() throws Exception {
        comesBackAndResumes(TlsContexts.automatic());
    }

    /** Under another route's certificate a session does not resume: the ticket's keys are the certificate's context's. */
    @Test
    void aSessionResumesOnlyUnderTheCertificateItBeganWith() throws Exception {
        routes(TlsContexts.automatic(), ca.issue("chat.localhost"), ca.issue("game.localhost"));

        assertThat(comeBack("chat.localhost", "game.localhost", "1.3")).isEqualTo("TLSv1.3 False TLSv1.3 False");
        assertThat(comeBack("chat.localhost", "game.localhost", "1.2")).isEqualTo("TLSv1.2 False TLSv1.2 False");
        assertThat(handshakes()).isEqualTo(Map.of("false", 4.0, "true", 0.0));
    }

    /** The control of the test above: the client does offer its session under another name, and one certificate for both resumes it. */
    @Test
    void oneCertificateForBothNamesResumesAcrossThem() throws Exception {
        TestCertificates.Issued both = ca.issue("chat.localhost", "game.localhost");
        routes(TlsContexts.automatic(), both, both);

        assertThat(comeBack("chat.localhost", "game.localhost", "1.3")).isEqualTo("TLSv1.3 False TLSv1.3 True");
    }

    /** The JDK's TLS engine (where OpenSSL does not load) resumes too, and its resumptions are counted as such. */
    @Test
    void theJdksEngineResumesAndIsCountedToo() throws Exception {
        comesBackAndResumes(new TlsContexts(SslProvider.JDK));
    }

    /** Over TLS 1.3, then 1.2: each time a full handshake, then a resumed one, and the server counts them so. */
    void comesBackAndResumes(TlsContexts contexts) throws Exception {
        routes(contexts, ca.issue("chat.localhost"), ca.issue("game.localhost"));

        assertThat(comeBack("chat.localhost", "chat.localhost", "1.3")).isEqualTo("TLSv1.3 False TLSv1.3 True");
        assertThat(comeBack("chat.localhost", "chat.localhost", "1.2")).isEqualTo("TLSv1.2 False TLSv1.2 True");
        assertThat(handshakes()).isEqualTo(Map.of("false", 2.0, "true", 2.0));
    }

    /** Two routes, chat and game, each with its own Secret. */
    void routes(TlsContexts contexts, TestCertificates.Issued chat, TestCertificates.Issued game) {
        String yaml = """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat}
                spec:
                  hosts: [chat.localhost]
                  tls: {secretName: chat-tls}
                  rules: [{backends: [{endpoints: ["127.0.0.1:9"]}]}]
                ---
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: game}
                spec:
                  hosts: [game.localhost]
                  tls: {secretName: game-tls}
                  rules: [{backends: [{endpoints: ["127.0.0.1:9"]}]}]
                ---
                %s
                ---
                %s
                """.formatted(chat.secretYaml("default", "chat-tls"), game.secretYaml("default", "game-tls"));
        px.routesWithSecrets(yaml, contexts);
    }

    /** What the client says of its two visits: "version resumed version resumed". */
    String comeBack(String first, String second, String version) throws Exception {
        try (ExternalPeer client = InteropPeers.pythonSsl("tls_resume.py", Integer.toString(px.dataPlane.tlsPort()),
                caFile.toString(), first, second, version)) {
            assertThat(client.awaitExit(WAIT)).as(client.transcript()).isZero();
            return client.await(line -> line.containsKey("line"), "its report", WAIT).getString("line");
        }
    }

    /** wsroute_tls_handshakes_total by its resumed label. */
    Map<String, Double> handshakes() {
        Map<String, Double> byResumed = new TreeMap<>();
        for (Counter c : px.metrics.get("wsroute.tls.handshakes").counters()) {
            byResumed.put(c.getId().getTag("resumed"), c.count());
        }
        return byResumed;
    }
}

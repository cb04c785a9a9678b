package dev.wsroute.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.wsroute.metrics.micrometer.MicrometerMeters;
import dev.wsroute.standalone.RoutesFileSource;
import dev.wsroute.status.StatusModel;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TestCertificates.Authority;
import dev.wsroute.testing.TestCertificates.Issued;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TlsClients;
import dev.wsroute.testing.TlsRoutes.MutableSecrets;
import io.micrometer.core.instrument.Gauge;

/**
 * Operators could not see a certificate's expiry coming: no metric and no status field carried it, and a certificate
 * that passed its notAfter kept being served until something else rebuilt the table. Now
 * {@code wsroute_tls_certificate_expiry_timestamp_seconds{route,secret}} follows the certificates of the table in
 * force (rotation moves it, deletion removes it), the status JSON shows each route's expiry, and the table is rebuilt
 * at the earliest notAfter, so an expiring certificate turns the route InvalidCertificate on its own.
 */
class CertificateExpiryTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String EXPIRY = CertificateExpiryMetrics.NAME;

    Authority ca;
    ProxyHarness px;
    RoutesFileSource source;

    @BeforeEach
    void start() throws Exception {
        ca = TestCertificates.authority("expiry CA");
        px = new ProxyHarness(TestConfig.withTls());
    }

    @AfterEach
    void stop() {
        if (source != null) {
            source.close();
        }
        px.close();
    }

    static String route(String name, String secret) {
        return """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: %s, namespace: default}
                spec:
                  hosts: [localhost]
                  tls: {secretName: %s}
                  rules: [{backends: [{endpoints: ["127.0.0.1:9"]}]}]
                """.formatted(name, secret);
    }

    @Test
    void theGaugeFollowsTheServedCertificateThroughRotationAndRouteDeletion() throws Exception {
        Instant first = Instant.now().plus(40, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        Issued one = ca.leaf("localhost").validUntil(first).build();
        MutableSecrets secrets = new MutableSecrets().put("chat-tls", one.secretData());
        TlsMaterialResolver tls = new TlsMaterialResolver(secrets, Optional.empty(), null);
        px.routes(route("chat", "chat-tls"), tls);

        assertThat(servedNotAfter()).isEqualTo(first);
        assertThat(expiry("default/chat", "default/chat-tls")).isEqualTo(first.getEpochSecond());

        Instant second = Instant.now().plus(90, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        secrets.put("chat-tls", ca.leaf("localhost").validUntil(second).build().secretData()); // cert-manager renewed it
        px.routes(route("chat", "chat-tls"), tls);
        assertThat(servedNotAfter()).isEqualTo(second);
        assertThat(expiry("default/chat", "default/chat-tls")).isEqualTo(second.getEpochSecond());
        assertThat(px.metrics.find(EXPIRY).gauges()).hasSize(1);

        px.routes(route("other", "other-tls"), tls); // chat deleted; other's Secret does not exist
        assertThat(px.metrics.find(EXPIRY).gauges()).isEmpty();
    }

    @Test
    void theStatusJsonCarriesEachRoutesExpiryAndNoKeyMaterial() throws Exception {
        Instant notAfter = Instant.now().plus(40, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        Issued cert = ca.leaf("localhost").validUntil(notAfter).build();
        px.routes(route("chat", "chat-tls"), new TlsMaterialResolver(new MutableSecrets().put("chat-tls", cert.secretData()),
                Optional.empty(), null));
        StatusModel model = new StatusModel(px.tables, px.dataPlane::openTunnels, () -> px.dataPlane.health().endpoints(),
                new MicrometerMeters(px.metrics), () -> null, () -> StatusModel.connections(px.dataPlane));

        String json = new ObjectMapper().writeValueAsString(model.sample());
        JsonNode c = new ObjectMapper().readTree(json).get("routes").get(0).get("certificate");
        assertThat(c.get("source").asText()).isEqualTo("default/chat-tls");
        assertThat(c.get("notAfter").asText()).isEqualTo(notAfter.toString());
        assertThat(c.get("daysLeft").asLong()).isBetween(39L, 40L);
        assertThat(c.get("valid").asBoolean()).isTrue();
        assertThat(json).doesNotContain("PRIVATE KEY").doesNotContain("BEGIN CERTIFICATE");
    }

    @Test
    void aCertificateThatExpiresWhileNothingChangesGoesInvalidAtItsExpiry(@TempDir Path dir) throws Exception {
        // 9-10 s: a cold JVM on a busy machine must build and load it, and check it still valid, before it expires
        Instant soon = Instant.now().plusSeconds(10).truncatedTo(ChronoUnit.SECONDS);
        Issued shortLived = ca.leaf("localhost").validFrom(Instant.now().minusSeconds(60)).validUntil(soon).build();
        Path file = dir.resolve("routes.yaml");
        Files.writeString(file, route("chat", "chat-tls") + "---\n" + shortLived.secretYaml("default", "chat-tls"), StandardCharsets.UTF_8);
        TlsMaterialResolver tls = new TlsMaterialResolver(SecretSource.EMPTY, Optional.empty(), null);
        source = new RoutesFileSource(file, px.tables, docs -> tls.withSecrets(StandaloneSecrets.from(docs))).start();
        long version = px.tables.current().version();
        assertThat(px.tables.current().problems()).isEmpty();

        await().atMost(WAIT).until(() -> px.tables.current().problems().stream()
                .anyMatch(p -> p.reason().equals(TlsReasons.INVALID_CERTIFICATE) && p.message().contains("expired")));
        assertThat(px.tables.current().version()).isGreaterThan(version);
        assertThat(Instant.now()).isAfter(soon);
        assertThatThrownBy(() -> TlsClients.connect(ca.clientSslContext(), px.dataPlane.tlsPort(), "localhost").startHandshake())
                .isInstanceOf(SSLException.class); // no default certificate: the handshake fails instead of serving an expired one
        assertThat(expiry("default/chat", "default/chat-tls")).isEqualTo(soon.getEpochSecond()); // still there: the alert keeps firing
    }

    double expiry(String route, String secret) {
        Gauge g = px.metrics.find(EXPIRY).tags("route", route, "secret", secret).gauge();
        assertThat(g).as("gauge %s{route=%s,secret=%s}", EXPIRY, route, secret).isNotNull();
        return g.value();
    }

    /** notAfter of the certificate the data plane presents for localhost, over a real handshake. */
    Instant servedNotAfter() throws Exception {
        try (SSLSocket s = TlsClients.connect(ca.clientSslContext(), px.dataPlane.tlsPort(), "localhost")) {
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getNotAfter().toInstant();
        }
    }

}

package dev.wsroute.tls;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.metrics.Meters;
import dev.wsroute.proxy.DataPlane;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.table.EndpointSource;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TestCertificates.Authority;
import dev.wsroute.testing.TestCertificates.Issued;
import dev.wsroute.testing.TestCertificates.KeyType;
import dev.wsroute.testing.TlsClients;
import dev.wsroute.testing.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;

/**
 * wss:// through the real data plane: TLS terminated with a certificate from a Secret document of a routes file,
 * the JDK WebSocket client verifying it, plain and TLS backends behind, rotation under an open WebSocket.
 */
class WssEndToEndTest {
    static Authority ca;
    static Authority backendCa;
    static Issued localhost;
    static Issued backendCert;
    static EchoBackend plainBackend;
    static EchoBackend tlsBackend;
    static SSLContext client;
    static HttpClient https;

    final RouteTableHolder tables = new RouteTableHolder();
    final List<TlsProblem> problems = new ArrayList<>();
    final TlsMaterialResolver tls = new TlsMaterialResolver(SecretSource.EMPTY, Optional.empty(), null);
    DataPlane proxy;
    long version;

    @BeforeAll
    static void backends() throws Exception {
        ca = TestCertificates.authority("e2e CA");
        backendCa = TestCertificates.authority("backend CA");
        localhost = ca.leaf("localhost").keyType(KeyType.RSA).build();
        backendCert = backendCa.issue("backend.internal");
        client = ca.clientSslContext();
        https = HttpClient.newBuilder().sslContext(client).build();
        plainBackend = new EchoBackend(null, "plain", new HttpServerOptions(), text -> "echo: " + text);
        tlsBackend = new EchoBackend(null, "tls", new HttpServerOptions().setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                .setCertValue(Buffer.buffer(backendCert.certificatePem())).setKeyValue(Buffer.buffer(backendCert.keyPem()))),
                text -> "echo: " + text);
    }

    @AfterAll
    static void stopBackends() {
        plainBackend.close();
        tlsBackend.close();
    }

    @BeforeEach
    void start() throws Exception {
        proxy = new DataPlane(TestConfig.withTls("wsroute.drain.period", "200ms"), tables, Meters.NONE, () -> null).start();
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    /** As standalone mode does: parse the routes file, Secrets from its documents, build, publish. */
    void routes(String yaml) {
        RoutesDocuments.Parsed parsed = RoutesDocuments.parse("routes.yaml", yaml.getBytes(StandardCharsets.UTF_8));
        assertThat(parsed.errors()).isEmpty();
        tables.publish(new TableBuilder(EndpointSource.STATIC, tls.withSecrets(StandaloneSecrets.from(parsed.secrets())))
                .build(++version, parsed.routes(), problems::add));
    }

    String routesYaml(Issued cert) {
        return """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat}
                spec:
                  hosts: [localhost]
                  tls: {secretName: chat-tls}
                  rules:
                    - match: {path: {type: Prefix, value: /ws}}
                      backends: [{endpoints: ["127.0.0.1:%d"]}]
                    - match: {path: {type: Prefix, value: /secure}}
                      backends: [{endpoints: ["127.0.0.1:%d"]}]
                      upstreamTLS: {enabled: true, caSecretName: backend-ca, sni: backend.internal}
                    - match: {path: {type: Prefix, value: /wrong-name}}
                      backends: [{endpoints: ["127.0.0.1:%d"]}]
                      upstreamTLS: {enabled: true, caSecretName: backend-ca, sni: other.internal}
                ---
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: broken}
                spec:
                  hosts: [broken.example.com]
                  tls: {secretName: not-there}
                  rules: [{backends: [{endpoints: ["127.0.0.1:%d"]}]}]
                ---
                %s
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: backend-ca}
                data: {ca.crt: %s}
                """.formatted(plainBackend.port(), tlsBackend.port(), tlsBackend.port(), plainBackend.port(),
                cert.secretYaml("default", "chat-tls"),
                Base64.getEncoder().encodeToString(backendCa.certificatePem().getBytes(US_ASCII)));
    }

    String wss(String path) {
        return "wss://localhost:" + proxy.tlsPort() + path;
    }

    static WsClient open(String uri) throws Exception {
        return WsClient.connect(https, uri, Map.of());
    }

    @Test
    void wssToAPlainBackendWhileABrokenSecretOnlyAffectsItsOwnRoute() throws Exception {
        routes(routesYaml(localhost));
        try (WsClient s = open(wss("/ws"))) {
            assertThat(s.roundTrip("hello over wss")).isEqualTo("echo: hello over wss");
        }
        assertThat(problems).extracting(p -> p.route().name(), TlsProblem::reason)
                .containsExactly(tuple("broken", "SecretNotFound"));
    }

    @Test
    void upstreamTlsVerifiedWithTheCaSecretAndSni() throws Exception {
        routes(routesYaml(localhost));
        try (WsClient s = open(wss("/secure")); WsClient plainClient = open("ws://localhost:" + proxy.port() + "/secure")) {
            assertThat(s.roundTrip("re-encrypted")).isEqualTo("echo: re-encrypted");
            assertThat(plainClient.roundTrip("ws in, wss out")).isEqualTo("echo: ws in, wss out");
        }
    }

    @Test
    void anUpstreamCertificateNotNamingTheSniAnswers502() throws Exception {
        routes(routesYaml(localhost));
        ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> open(wss("/wrong-name")));
        assertThat(failed.getCause()).isInstanceOf(WebSocketHandshakeException.class);
        assertThat(((WebSocketHandshakeException) failed.getCause()).getResponse().statusCode()).isEqualTo(502);
    }

    @Test
    void aFailedUpstreamHandshakeLogsItsPreciseReasonOnceAndTheClientIsToldItWasTls() throws Exception {
        routes(routesYaml(localhost).replace("metadata: {name: chat}", "metadata: {name: chat-log}")); // a rule no other test logged for
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                lines.add(r.getLevel() + " " + (r instanceof org.jboss.logmanager.ExtLogRecord e ? e.getFormattedMessage() : r.getMessage()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(UpstreamTlsFailureLog.class.getName());
        log.addHandler(capture);
        try {
            for (int attempt = 0; attempt < 2; attempt++) {
                try (SSLSocket s = TlsClients.connect(client, proxy.tlsPort(), "localhost")) {
                    s.getOutputStream().write(("GET /wrong-name HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(US_ASCII));
                    String answer = new String(s.getInputStream().readAllBytes(), US_ASCII);
                    assertThat(answer).startsWith("HTTP/1.1 502 ").contains("TLS handshake failed").doesNotContain("DecoderException");
                }
            }
            assertThat(lines).as("once for both failures").singleElement().asString().startsWith("WARN ")
                    .contains("127.0.0.1:" + tlsBackend.port(), "default/chat-log rules[2]", "other.internal");
        } finally {
            log.removeHandler(capture);
        }
    }

    @Test
    void rotationUnderAnOpenWebSocket() throws Exception {
        routes(routesYaml(localhost));
        WsClient before = open(wss("/ws"));
        assertThat(before.roundTrip("one")).isEqualTo("echo: one");

        Issued renewed = ca.leaf("localhost").keyType(KeyType.EC).build();
        routes(routesYaml(renewed));

        try (SSLSocket probe = TlsClients.connect(client, proxy.tlsPort(), "localhost")) {
            X509Certificate served = (X509Certificate) probe.getSession().getPeerCertificates()[0];
            assertThat(served.getSerialNumber()).isEqualTo(renewed.certificate().getSerialNumber());
        }
        try (WsClient after = open(wss("/ws"))) {
            assertThat(after.roundTrip("two")).isEqualTo("echo: two");
        }
        assertThat(before.roundTrip("still open")).isEqualTo("echo: still open");
        before.close();
    }

    /**
     * An operator edits the Secret and gets the key wrong (here: a key of another pair): the routes file's next version
     * reports the route InvalidCertificate, and new handshakes keep getting the certificate served so far. Before, the
     * host's certificate was dropped at once: with no default certificate every new handshake for it failed.
     */
    @Test
    void aSecretEditedToAWrongKeyKeepsTheCertificateServedSoFar() throws Exception {
        routes(routesYaml(localhost));
        WsClient before = open(wss("/ws"));
        problems.clear();

        routes(routesYaml(localhost.withWrongKey()));

        assertThat(problems).filteredOn(p -> p.route().name().equals("chat")).singleElement()
                .satisfies(p -> assertThat(p.reason()).isEqualTo("InvalidCertificate"))
                .satisfies(p -> assertThat(p.message()).contains("tls.key does not match", "is still served"));
        try (SSLSocket probe = TlsClients.connect(client, proxy.tlsPort(), "localhost")) {
            X509Certificate served = (X509Certificate) probe.getSession().getPeerCertificates()[0];
            assertThat(served.getSerialNumber()).isEqualTo(localhost.certificate().getSerialNumber());
        }
        try (WsClient after = open(wss("/ws"))) {
            assertThat(after.roundTrip("new session")).isEqualTo("echo: new session");
        }
        assertThat(before.roundTrip("still open")).isEqualTo("echo: still open");
        before.close();
    }

    /** A ClientHello as a real client sends it (SNI localhost), to send by hand and then stop. */
    static byte[] clientHello() throws Exception {
        javax.net.ssl.SSLEngine engine = client.createSSLEngine("localhost", 443);
        engine.setUseClientMode(true);
        javax.net.ssl.SSLParameters params = engine.getSSLParameters();
        params.setServerNames(List.of(new javax.net.ssl.SNIHostName("localhost"))); // the JDK sends none for a name without a dot
        engine.setSSLParameters(params);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(java.nio.ByteBuffer.allocate(0), out);
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    /** What the proxy sends until it closes the connection; fails if it is still open after 15 s. */
    static byte[] answerUntilClosed(java.net.Socket s) throws Exception {
        s.setSoTimeout(15_000);
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = s.getInputStream().read(buf)) >= 0;) {
                got.write(buf, 0, n);
            }
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("still open 15 s later, after " + got.size() + " bytes", e);
        } catch (java.net.SocketException e) { // reset: closed as well
        }
        return got.toByteArray();
    }

    DataPlane withHeaderTimeout() throws Exception {
        return new DataPlane(TestConfig.withTls("wsroute.limits.request-header-timeout", "1s"), tables, Meters.NONE, () -> null).start();
    }

    @Test
    void aHandshakeNeverFinishedIsClosedInTheHeaderTimeout() throws Exception {
        routes(routesYaml(localhost));
        DataPlane strict = withHeaderTimeout();
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", strict.tlsPort())) {
            s.getOutputStream().write(clientHello()); // the server answers; the client never sends its Finished
            byte[] answer = answerUntilClosed(s);
            assertThat(answer).isNotEmpty();
            assertThat(answer[0]).as("a TLS record (handshake or alert), never plain text").isIn((byte) 22, (byte) 21);
        } finally {
            strict.close();
        }
    }

    @Test
    void aTlsClientSilentBeforeItsClientHelloGetsNoPlainText408() throws Exception {
        routes(routesYaml(localhost));
        DataPlane strict = withHeaderTimeout();
        try (java.net.Socket silent = new java.net.Socket("127.0.0.1", strict.tlsPort());
                java.net.Socket halfHello = new java.net.Socket("127.0.0.1", strict.tlsPort())) {
            halfHello.getOutputStream().write(java.util.Arrays.copyOf(clientHello(), 20));
            assertThat(new String(answerUntilClosed(silent), US_ASCII)).as("closed without an answer").isEmpty();
            assertThat(new String(answerUntilClosed(halfHello), US_ASCII)).as("closed without an answer").isEmpty();
        } finally {
            strict.close();
        }
    }

    /**
     * Domain fronting: a TLS session opened for one name (SNI localhost) must not carry requests for a host whose
     * certificate is another (here broken.example.com, whose Secret is missing and no default stands in: no client can
     * even handshake for it). 421 Misdirected Request (RFC 9110 §7.4), on a connection that stays usable for its own
     * host. Before, the request reached broken.example.com's route and was upgraded.
     */
    @Test
    void aRequestForAHostTheSessionsCertificateDoesNotServeGets421() throws Exception {
        routes(routesYaml(localhost));
        try (RawHttp raw = new RawHttp(TlsClients.connect(client, proxy.tlsPort(), "localhost"))) {
            raw.send(RawHttp.upgradeRequest("/ws", "broken.example.com"));
            assertThat(raw.readResponse()).startsWith("HTTP/1.1 421 Misdirected Request\r\n");
            raw.send("GET /ws HTTP/1.1\r\nHost: broken.example.com:443\r\n\r\n");
            assertThat(raw.readResponse()).as("plain HTTP too").startsWith("HTTP/1.1 421 ");
            raw.send(RawHttp.upgradeRequest("/ws", "LocalHost."));
            assertThat(raw.readHead()).as("the session's own host, on the same connection").startsWith("HTTP/1.1 101 ");
        }
    }

    /**
     * A ClientHello is read whole before a certificate can be chosen, so its size must be bounded: one that announces
     * 16 MiB (the most its length field can say) and keeps sending is cut off after 64 KiB. Before, the SNI stage was
     * given no bound (0 means none to Netty) and held up to 16 MiB of direct memory per connection until the handshake
     * deadline: a few such connections used up the data plane's direct memory.
     */
    @Test
    void aClientHelloLargerThan64KiBIsRefusedBeforeItIsHeld() throws Exception {
        routes(routesYaml(localhost));
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", proxy.tlsPort())) {
            java.io.OutputStream out = s.getOutputStream();
            byte[] record = new byte[5 + 16_000];
            record[0] = 0x16; // handshake
            record[1] = 0x03;
            record[2] = 0x01;
            record[3] = (byte) (16_000 >> 8);
            record[4] = (byte) 16_000;
            record[5] = 0x01; // ClientHello, of 0xFFFFFF bytes
            record[6] = record[7] = record[8] = (byte) 0xff;
            long sent = 0;
            try {
                for (; sent < 12L * 1024 * 1024; sent += 16_000) { // under the 16 MiB the hello announces
                    out.write(record);
                    record[5] = record[6] = record[7] = record[8] = 0; // the rest: more of the same hello
                }
                assertThat(answerUntilClosed(s)).as("closed with at most an alert").hasSizeLessThan(64);
                throw new AssertionError("12 MiB of one ClientHello were taken without the connection being closed");
            } catch (java.net.SocketException closed) {
                assertThat(sent).as("bytes written before the proxy's close showed").isLessThan(12L * 1024 * 1024);
            }
        }
    }

    /**
     * {@code curl http://host:8443/}: the client is told it spoke plain HTTP to the TLS port (400, as nginx answers),
     * instead of a connection closed without a word; TLS clients on the same port are served as before.
     */
    @Test
    void plainHttpSentToTheTlsPortGets400SayingSo() throws Exception {
        routes(routesYaml(localhost));
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", proxy.tlsPort())) {
            s.getOutputStream().write("GET /ws HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(US_ASCII));
            String answer = new String(answerUntilClosed(s), US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("connection: close")
                    .endsWith("plain HTTP sent to the HTTPS port; use https://\n");
        }
        try (WsClient tls = open(wss("/ws"))) {
            assertThat(tls.roundTrip("still tls")).isEqualTo("echo: still tls");
        }
    }

    @Test
    void afterTheHandshakeALateHeadStillGets408OverTls() throws Exception {
        routes(routesYaml(localhost));
        DataPlane strict = withHeaderTimeout();
        try (SSLSocket s = TlsClients.connect(client, strict.tlsPort(), "localhost")) {
            s.getOutputStream().write("GET /ws HTTP/1.1\r\nHost: local".getBytes(US_ASCII));
            s.getOutputStream().flush();
            assertThat(new String(answerUntilClosed(s), US_ASCII)).startsWith("HTTP/1.1 408 ");
        } finally {
            strict.close();
        }
    }
}

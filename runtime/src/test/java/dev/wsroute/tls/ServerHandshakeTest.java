package dev.wsroute.tls;

import static dev.wsroute.testing.TlsRoutes.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.wsroute.model.Route;
import dev.wsroute.testing.Peers;
import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TestCertificates.Authority;
import dev.wsroute.testing.TestCertificates.Issued;
import dev.wsroute.testing.TestCertificates.KeyFormat;
import dev.wsroute.testing.TestCertificates.KeyType;
import dev.wsroute.testing.TlsClients;
import dev.wsroute.testing.TlsEchoServer;
import dev.wsroute.testing.TlsRoutes.MutableSecrets;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/** Real handshakes over loopback against an SniHandler fed by the resolver's certificates, with each TLS engine. */
class ServerHandshakeTest {
    static Authority ca;
    static Issued chat;
    static Issued wildcard;
    static Issued fallback;
    static SSLContext client;

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.authority("handshake test CA");
        chat = ca.leaf("chat.example.com").keyType(KeyType.RSA).build();
        wildcard = ca.leaf("*.example.com").keyType(KeyType.EC).build();
        fallback = ca.leaf("fallback.local").keyType(KeyType.RSA).build();
        client = ca.clientSslContext();
    }

    static Stream<SslProvider> engines() {
        return Stream.of(SslProvider.JDK, SslProvider.OPENSSL);
    }

    static ServerCertificates certificates(SslProvider engine, MutableSecrets secrets, List<Route> routes) {
        Peers.require(engine != SslProvider.OPENSSL || OpenSsl.isAvailable(), "OpenSSL (netty-tcnative) is not available here");
        List<TlsProblem> problems = new ArrayList<>();
        ServerCertificates certs = new TlsMaterialResolver(secrets, Optional.empty(), null, new TlsContexts(engine), Clock.systemUTC())
                .serverCertificates(routes, problems::add);
        assertThat(problems).isEmpty();
        return certs;
    }

    static ServerCertificates standard(SslProvider engine) {
        MutableSecrets secrets = new MutableSecrets().put("chat", chat.secretData()).put("wild", wildcard.secretData(KeyFormat.PKCS8))
                .put("any", fallback.secretData());
        return certificates(engine, secrets, List.of(route("chat", "chat", "chat.example.com"),
                route("wild", "wild", "*.example.com"), route("any", "any")));
    }

    @ParameterizedTest
    @MethodSource("engines")
    void sniChoosesExactThenWildcardThenDefault(SslProvider engine) throws Exception {
        ServerCertificates certs = standard(engine);
        try (TlsEchoServer server = TlsEchoServer.start(() -> certs)) {
            assertServed(server, "chat.example.com", "chat.example.com");
            assertServed(server, "room.example.com", "*.example.com");
            assertServed(server, "unknown.example.org", "fallback.local");
            assertServed(server, null, "fallback.local");
            assertThat(server.sniSeen()).containsExactly("chat.example.com", "room.example.com", "unknown.example.org", "");
        }
    }

    /**
     * An SNI written as a fully qualified name ("chat.example.com.", as openssl s_client and some resolvers' callers
     * send it) names the same host: it gets that host's certificate, as from nginx, not the default or a failure.
     */
    @ParameterizedTest
    @MethodSource("engines")
    void anSniWithATrailingDotGetsTheCertificateOfItsHost(SslProvider engine) {
        ServerCertificates certs = standard(engine);
        assertThat(certs.select("chat.example.com.")).isSameAs(certs.select("chat.example.com"));
        assertThat(certs.select("Room.Example.Com.")).isSameAs(certs.select("room.example.com")).isNotSameAs(certs.select(null));
        ServerCertificates noDefault = certificates(engine, new MutableSecrets().put("chat", chat.secretData()),
                List.of(route("chat", "chat", "chat.example.com")));
        assertThat(noDefault.select("chat.example.com.")).isNotNull().isSameAs(noDefault.select("chat.example.com"));
        assertThat(noDefault.select("chat.example.com..")).as("one dot only").isNull();
        assertThat(noDefault.select(".")).isNull();
    }

    /** Which requests a TLS session may carry: those whose host chooses the certificate its SNI chose (else 421). */
    @ParameterizedTest
    @MethodSource("engines")
    void aSessionServesTheHostsItsCertificateWasChosenFor(SslProvider engine) {
        ServerCertificates certs = standard(engine);
        assertThat(certs.servesAlike("chat.example.com", "chat.example.com")).isTrue();
        assertThat(certs.servesAlike("chat.example.com.", "chat.example.com")).isTrue();
        assertThat(certs.servesAlike("a.example.com", "b.example.com")).as("one wildcard certificate").isTrue();
        assertThat(certs.servesAlike("unknown.example.org", "other.example.net")).as("both the default").isTrue();
        assertThat(certs.servesAlike(null, "chat.example.com")).as("no SNI: any host").isTrue();
        assertThat(certs.servesAlike("chat.example.com", "room.example.com")).isFalse();
        assertThat(certs.servesAlike("room.example.com", "chat.example.com")).isFalse();
        assertThat(certs.servesAlike("unknown.example.org", "chat.example.com")).isFalse();
        assertThat(certs.servesAlike("chat.example.com", "")).as("no Host (HTTP/1.0): the default's hosts").isFalse();
    }

    @ParameterizedTest
    @MethodSource("engines")
    void withoutADefaultUnknownAndMissingSniFailTheHandshake(SslProvider engine) throws Exception {
        ServerCertificates certs = certificates(engine, new MutableSecrets().put("chat", chat.secretData()),
                List.of(route("chat", "chat", "chat.example.com")));
        try (TlsEchoServer server = TlsEchoServer.start(() -> certs)) {
            assertServed(server, "chat.example.com", "chat.example.com");
            assertThatThrownBy(() -> TlsClients.connect(client, server.port(), "other.example.com")).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> TlsClients.connect(client, server.port(), null)).isInstanceOf(IOException.class);
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void tls13ByDefaultAndTls12WithAModernSuite(SslProvider engine) throws Exception {
        ServerCertificates certs = standard(engine);
        try (TlsEchoServer server = TlsEchoServer.start(() -> certs);
                SSLSocket v13 = TlsClients.connect(client, server.port(), "chat.example.com");
                SSLSocket v12 = TlsClients.connect(client, server.port(), "chat.example.com", List.of("TLSv1.2"), null);
                SSLSocket v12ec = TlsClients.connect(client, server.port(), "x.example.com", List.of("TLSv1.2"), null)) {
            assertThat(v13.getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(v12.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(v12.getSession().getCipherSuite()).isIn(TlsContexts.CIPHERS).startsWith("TLS_ECDHE_RSA_");
            assertThat(v12ec.getSession().getCipherSuite()).isIn(TlsContexts.CIPHERS).startsWith("TLS_ECDHE_ECDSA_");
            assertThat(TlsClients.echo(v12, "over 1.2")).isEqualTo("over 1.2");
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void tls11IsRefusedWithAProtocolVersionAlert(SslProvider engine) throws Exception {
        ServerCertificates certs = standard(engine);
        try (TlsEchoServer server = TlsEchoServer.start(() -> certs);
                Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(tls11ClientHello("chat.example.com"));
            s.getOutputStream().flush();
            byte[] answer = readUpTo(s.getInputStream(), 7);
            // the JDK client refuses to even offer TLS 1.1, hence a hand-made ClientHello: the answer must be a fatal
            // alert (record type 21, level 2), never a ServerHello (record type 22)
            assertThat(answer).hasSizeGreaterThanOrEqualTo(7);
            assertThat(answer[0]).as("record type").isEqualTo((byte) 21);
            assertThat(answer[5]).as("alert level").isEqualTo((byte) 2);
            assertThat(answer[6]).as("alert: protocol_version(70) or handshake_failure(40)").isIn((byte) 70, (byte) 40);
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void alpnOffersHttp11Only(SslProvider engine) throws Exception {
        ServerCertificates certs = standard(engine);
        try (TlsEchoServer server = TlsEchoServer.start(() -> certs);
                SSLSocket browser = TlsClients.connect(client, server.port(), "chat.example.com", null, List.of("h2", "http/1.1"));
                SSLSocket h2only = TlsClients.connect(client, server.port(), "chat.example.com", null, List.of("h2"));
                SSLSocket none = TlsClients.connect(client, server.port(), "chat.example.com")) {
            assertThat(browser.getApplicationProtocol()).isEqualTo("http/1.1");
            assertThat(h2only.getApplicationProtocol()).as("h2 is never chosen").isEmpty();
            assertThat(none.getApplicationProtocol()).isEmpty();
            assertThat(TlsClients.echo(h2only, "still http/1.1")).isEqualTo("still http/1.1");
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void rotationServesNewHandshakesWhileOpenConnectionsGoOn(SslProvider engine) throws Exception {
        Peers.require(engine != SslProvider.OPENSSL || OpenSsl.isAvailable(), "OpenSSL (netty-tcnative) is not available here");
        MutableSecrets secrets = new MutableSecrets().put("chat", chat.secretData());
        TlsMaterialResolver resolver = new TlsMaterialResolver(secrets, Optional.empty(), null, new TlsContexts(engine), Clock.systemUTC());
        List<Route> routes = List.of(route("chat", "chat", "chat.example.com"));
        List<TlsProblem> problems = new ArrayList<>();
        AtomicReference<ServerCertificates> current = new AtomicReference<>(resolver.serverCertificates(routes, problems::add));
        try (TlsEchoServer server = TlsEchoServer.start(current::get);
                SSLSocket before = TlsClients.connect(client, server.port(), "chat.example.com")) {
            assertThat(TlsClients.echo(before, "one")).isEqualTo("one");
            X509Certificate old = (X509Certificate) before.getSession().getPeerCertificates()[0];

            Issued renewed = ca.leaf("chat.example.com").keyType(KeyType.EC).build(); // cert-manager renewal, new key
            secrets.put("chat", renewed.secretData());
            current.set(resolver.serverCertificates(routes, problems::add)); // the table swap

            try (SSLSocket after = TlsClients.connect(client, server.port(), "chat.example.com")) {
                X509Certificate now = (X509Certificate) after.getSession().getPeerCertificates()[0];
                assertThat(now.getSerialNumber()).isEqualTo(renewed.certificate().getSerialNumber()).isNotEqualTo(old.getSerialNumber());
                assertThat(TlsClients.echo(after, "new")).isEqualTo("new");
            }
            assertThat(TlsClients.echo(before, "still here")).isEqualTo("still here");
            assertThat(((X509Certificate) before.getSession().getPeerCertificates()[0]).getSerialNumber()).isEqualTo(old.getSerialNumber());
        }
        assertThat(problems).isEmpty();
    }

    private static void assertServed(TlsEchoServer server, String sni, String expectedName) throws IOException {
        try (SSLSocket s = TlsClients.connect(client, server.port(), sni)) {
            assertThat(TlsClients.peerNames(s)).as("certificate for SNI %s", sni).containsExactly(expectedName);
            assertThat(TlsClients.echo(s, "ping")).isEqualTo("ping");
        } catch (SSLException e) {
            throw new AssertionError("handshake with SNI " + sni + " failed", e);
        }
    }

    private static byte[] readUpTo(InputStream in, int n) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b; out.size() < n && (b = in.read()) >= 0;) {
            out.write(b);
        }
        return out.toByteArray();
    }

    /** A ClientHello offering TLS 1.1 at most, with TLS 1.1-era suites, SNI and the P-256 curve. */
    static byte[] tls11ClientHello(String sni) {
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        byte[] name = sni.getBytes(StandardCharsets.US_ASCII);
        writeShort(ext, 0x0000); // server_name
        writeShort(ext, name.length + 5);
        writeShort(ext, name.length + 3);
        ext.write(0);
        writeShort(ext, name.length);
        ext.writeBytes(name);
        ext.writeBytes(new byte[] { 0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17 }); // supported_groups: secp256r1
        ext.writeBytes(new byte[] { 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00 }); // ec_point_formats: uncompressed

        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] { 0x03, 0x02 }); // client_version TLS 1.1
        body.writeBytes(new byte[32]); // random
        body.write(0); // no session id
        int[] suites = { 0xc013, 0xc014, 0xc009, 0xc00a, 0x002f, 0x0035 };
        writeShort(body, suites.length * 2);
        for (int s : suites) {
            writeShort(body, s);
        }
        body.writeBytes(new byte[] { 0x01, 0x00 }); // compression: null
        writeShort(body, ext.size());
        body.writeBytes(ext.toByteArray());

        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.writeBytes(new byte[] { 0x16, 0x03, 0x01 });
        writeShort(record, body.size() + 4);
        record.write(0x01); // ClientHello
        record.write(0);
        writeShort(record, body.size());
        record.writeBytes(body.toByteArray());
        return record.toByteArray();
    }

    private static void writeShort(ByteArrayOutputStream out, int v) {
        out.write(v >>> 8);
        out.write(v);
    }
}

package dev.wsroute.tls;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.wsroute.model.Route;
import dev.wsroute.model.Rule;
import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TestCertificates.Authority;
import dev.wsroute.testing.TestCertificates.Issued;
import dev.wsroute.testing.TestCertificates.KeyFormat;
import dev.wsroute.testing.TestCertificates.KeyType;
import dev.wsroute.testing.TlsRoutes.MutableSecrets;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;

import static dev.wsroute.testing.TlsRoutes.fileRoute;
import static dev.wsroute.testing.TlsRoutes.route;
import static dev.wsroute.testing.TlsRoutes.upstreamRoute;

class TlsMaterialResolverTest {
    static Authority ca;
    static Issued chat;
    static Issued wildcard;
    static Issued fallback;
    static Issued ecPkcs8;

    final MutableSecrets secrets = new MutableSecrets();
    final List<TlsProblem> problems = new ArrayList<>();

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.authority("resolver test CA");
        chat = ca.leaf("chat.example.com").keyType(KeyType.RSA).build(); // PKCS#1, as cert-manager writes it
        wildcard = ca.issue("*.example.com");
        fallback = ca.issue("fallback.local");
        ecPkcs8 = ca.leaf("ec.example.org").keyType(KeyType.EC).build();
    }

    TlsMaterialResolver resolver(Optional<String> defaultSecret) {
        return new TlsMaterialResolver(secrets, defaultSecret, null, new TlsContexts(SslProvider.JDK), Clock.systemUTC());
    }

    @Test
    void exactOverWildcardOverDefaultFromARouteWithoutHosts() {
        secrets.put("chat-tls", chat.secretData()).put("wild-tls", wildcard.secretData(KeyFormat.PKCS8)).put("any-tls", fallback.secretData());
        ServerCertificates certs = resolver(Optional.empty()).serverCertificates(List.of(
                route("chat", "chat-tls", "chat.example.com"),
                route("wild", "wild-tls", "*.example.com"),
                route("any", "any-tls")), problems::add);
        assertThat(problems).isEmpty();
        SslContext exact = certs.select("chat.example.com");
        SslContext wild = certs.select("a.example.com");
        SslContext dflt = certs.select(null);
        assertThat(List.of(exact, wild, dflt)).doesNotContainNull().doesNotHaveDuplicates();
        assertThat(certs.select("CHAT.example.com")).isSameAs(exact);
        assertThat(certs.select("a.b.example.com")).isSameAs(wild);
        assertThat(certs.select("example.org")).isSameAs(dflt);
    }

    @Test
    void configuredDefaultSecretWinsOverARouteWithoutHosts() {
        secrets.put("tls", "fallback", fallback.secretData()).put("any-tls", chat.secretData())
                .put("fb-tls", fallback.secretData());
        ServerCertificates certs = resolver(Optional.of("tls/fallback")).serverCertificates(List.of(
                route("any", "any-tls"),
                route("fb", "fb-tls", "fallback.local")), problems::add);
        // same material, same cached context: the default is the fallback.local certificate, not the hostless route's
        assertThat(certs.select(null)).isNotNull().isSameAs(certs.select("fallback.local"));
        assertThat(certs.select("unknown.example")).isSameAs(certs.select(null));
    }

    @Test
    void defaultSecretNameAloneMeansNamespaceDefault() {
        secrets.put("fallback", fallback.secretData());
        ServerCertificates certs = resolver(Optional.of("fallback")).serverCertificates(List.of(), problems::add);
        assertThat(certs.select(null)).isNotNull();
    }

    @Test
    void noDefaultMeansNoCertificateForUnknownNames() {
        secrets.put("chat-tls", chat.secretData());
        ServerCertificates certs = resolver(Optional.empty()).serverCertificates(List.of(route("chat", "chat-tls", "chat.example.com")), problems::add);
        assertThat(certs.select("chat.example.com")).isNotNull();
        assertThat(certs.select(null)).isNull();
        assertThat(certs.select("other.example.com")).isNull();
    }

    @Test
    void brokenDefaultSecretLeavesNoDefaultAndNoRouteProblem() {
        secrets.put("chat-tls", chat.secretData());
        ServerCertificates certs = resolver(Optional.of("missing")).serverCertificates(
                List.of(route("chat", "chat-tls", "chat.example.com"), route("any", "chat-tls")), problems::add);
        assertThat(certs.select(null)).isNull();
        assertThat(certs.select("chat.example.com")).isNotNull();
        assertThat(problems).isEmpty();
    }

    @Test
    void eachProblemHasItsReasonAndEveryOtherRouteStillWorks() {
        Issued expired = ca.leaf("old.example.com").expired().build();
        Issued early = ca.leaf("early.example.com").notYetValid().build();
        Map<String, byte[]> noKey = new HashMap<>(chat.secretData());
        noKey.remove("tls.key");
        secrets.put("chat-tls", chat.secretData())
                .put("any-tls", fallback.secretData())
                .put("nokey", noKey)
                .put("badpem", Map.of("tls.crt", "not a certificate".getBytes(US_ASCII), "tls.key", chat.keyPem().getBytes(US_ASCII)))
                .put("badkey", Map.of("tls.crt", chat.certificatePem().getBytes(US_ASCII), "tls.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".getBytes(US_ASCII)))
                .put("mismatch", chat.withWrongKey().secretData())
                .put("expired", expired.secretData())
                .put("early", early.secretData());
        ServerCertificates certs = resolver(Optional.empty()).serverCertificates(List.of(
                route("a-missing", "nope", "missing.example.com"),
                route("b-nokey", "nokey", "nokey.example.com"),
                route("c-badpem", "badpem", "badpem.example.com"),
                route("c-badkey", "badkey", "badkey.example.com"),
                route("d-mismatch", "mismatch", "mismatch.example.com"),
                route("e-expired", "expired", "old.example.com"),
                route("f-early", "early", "early.example.com"),
                route("chat", "chat-tls", "chat.example.com"),
                route("any", "any-tls")), problems::add);

        assertThat(problems).extracting(p -> p.route().name(), TlsProblem::reason, TlsProblem::message).containsExactly(
                tuple("a-missing", "SecretNotFound", "Secret default/nope not found"),
                tuple("b-nokey", "SecretNotFound", "Secret default/nokey has no tls.key key"),
                tuple("c-badpem", "InvalidCertificate", "Secret default/badpem: tls.crt: no PEM certificate found"),
                tuple("c-badkey", "InvalidCertificate", "Secret default/badkey: tls.key: not valid PEM private key data"),
                tuple("d-mismatch", "InvalidCertificate", "Secret default/mismatch: tls.key does not match the certificate in tls.crt"),
                tuple("e-expired", "InvalidCertificate", "Secret default/expired: the certificate expired at "
                        + expired.certificate().getNotAfter().toInstant()),
                tuple("f-early", "InvalidCertificate", "Secret default/early: the certificate is not valid before "
                        + early.certificate().getNotBefore().toInstant()));
        SslContext dflt = certs.select(null);
        assertThat(dflt).isNotNull();
        for (String failed : List.of("missing", "nokey", "badpem", "badkey", "mismatch", "old", "early")) {
            assertThat(certs.select(failed + ".example.com")).as(failed).isSameAs(dflt);
        }
        assertThat(certs.select("chat.example.com")).isNotNull().isNotSameAs(dflt);
        String key = chat.keyPem();
        assertThat(problems).extracting(TlsProblem::message)
                .allSatisfy(m -> assertThat(m).doesNotContain("PRIVATE KEY").doesNotContain(key.split("\n")[1].substring(0, 16)));
    }

    /**
     * A Secret that served, then edited into something unusable (a wrong or garbled key, a certificate that is not PEM,
     * a key dropped, an expired or not yet valid certificate): the certificate it served before goes on serving while
     * it is valid, and the condition names what is wrong and says so. Before, the route fell to the default certificate
     * at once (here another name's): one botched {@code kubectl apply} took the host's TLS down.
     */
    @Test
    void aSecretChangedToSomethingUnusableKeepsServingTheCertificateItServedBefore() {
        Map<String, byte[]> noKey = new HashMap<>(chat.secretData());
        noKey.remove("tls.key");
        Map<String, Map<String, byte[]>> broken = new java.util.LinkedHashMap<>();
        broken.put("tls.key: not valid PEM private key data", Map.of("tls.crt", chat.certificatePem().getBytes(US_ASCII),
                "tls.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".getBytes(US_ASCII)));
        broken.put("tls.key does not match the certificate in tls.crt", ca.issue("chat.example.com").withWrongKey().secretData());
        broken.put("tls.crt: no PEM certificate found", Map.of("tls.crt", "not a certificate".getBytes(US_ASCII),
                "tls.key", chat.keyPem().getBytes(US_ASCII)));
        broken.put("has no tls.key key", noKey);
        broken.put("the certificate expired at", ca.leaf("chat.example.com").expired().build().secretData());
        broken.put("the certificate is not valid before", ca.leaf("chat.example.com").notYetValid().build().secretData());
        secrets.put("chat-tls", chat.secretData()).put("any-tls", fallback.secretData());
        TlsMaterialResolver r = resolver(Optional.empty());
        List<Route> routes = List.of(route("chat", "chat-tls", "chat.example.com"), route("any", "any-tls"));
        SslContext served = r.serverCertificates(routes, problems::add).select("chat.example.com");
        assertThat(problems).isEmpty();

        for (Map.Entry<String, Map<String, byte[]>> edit : broken.entrySet()) {
            secrets.put("chat-tls", edit.getValue());
            problems.clear();
            ServerCertificates certs = r.serverCertificates(routes, problems::add);
            assertThat(certs.select("chat.example.com")).as(edit.getKey()).isSameAs(served).isNotSameAs(certs.select(null));
            assertThat(problems).as(edit.getKey()).singleElement().satisfies(p -> assertThat(p.message())
                    .startsWith("Secret default/chat-tls").contains(edit.getKey())
                    .endsWith("; the certificate it served before (valid until " + chat.certificate().getNotAfter().toInstant()
                            + ") is still served"));
            assertThat(certs.certificates()).as("metrics and the status page show the one served")
                    .filteredOn(c -> c.route() != null && c.route().name().equals("chat")).first()
                    .satisfies(c -> assertThat(c.notAfter()).isEqualTo(chat.certificate().getNotAfter().toInstant()))
                    .satisfies(c -> assertThat(c.served()).isTrue());
        }

        Issued renewed = ca.issue("chat.example.com");
        secrets.put("chat-tls", renewed.secretData());
        problems.clear();
        SslContext fixed = r.serverCertificates(routes, problems::add).select("chat.example.com");
        assertThat(fixed).isNotNull().isNotSameAs(served);
        assertThat(problems).isEmpty();

        secrets.remove("chat-tls"); // deleted: nothing kept
        ServerCertificates deleted = r.serverCertificates(routes, problems::add);
        assertThat(deleted.select("chat.example.com")).isSameAs(deleted.select(null));
        assertThat(problems).singleElement().satisfies(p -> assertThat(p.message()).isEqualTo("Secret default/chat-tls not found"));

        secrets.put("chat-tls", broken.get("has no tls.key key")); // recreated broken: the deleted one does not come back
        ServerCertificates recreated = r.serverCertificates(routes, problems::add);
        assertThat(recreated.select("chat.example.com")).isSameAs(recreated.select(null));
    }

    /** wsroute.tls.default-secret edited to a wrong key: clients without a known SNI keep the default certificate they had. */
    @Test
    void theDefaultSecretChangedToAWrongKeyKeepsItsCertificate() {
        secrets.put("fb", fallback.secretData());
        TlsMaterialResolver r = resolver(Optional.of("fb"));
        SslContext served = r.serverCertificates(List.of(), problems::add).select(null);
        secrets.put("fb", fallback.withWrongKey().secretData());
        ServerCertificates certs = r.serverCertificates(List.of(), problems::add);
        assertThat(certs.select(null)).isNotNull().isSameAs(served);
        assertThat(certs.certificates()).singleElement().satisfies(c -> assertThat(c.route()).isNull())
                .satisfies(c -> assertThat(c.notAfter()).isEqualTo(fallback.certificate().getNotAfter().toInstant()));
        secrets.remove("fb");
        assertThat(r.serverCertificates(List.of(), problems::add).select(null)).isNull();
        assertThat(problems).isEmpty(); // the default's problems are logged, not a route's
    }

    /** A kept certificate is served while it is valid, and no longer: then the route gets the default, as any expired one. */
    @Test
    void aKeptCertificateStopsWhenItExpires() {
        Issued shortLived = ca.leaf("chat.example.com").validUntil(Instant.now().plus(Duration.ofHours(1))).build();
        secrets.put("chat-tls", shortLived.secretData());
        MutableClock clock = new MutableClock(Instant.now());
        TlsMaterialResolver r = new TlsMaterialResolver(secrets, Optional.of("fb"), null, new TlsContexts(SslProvider.JDK), clock);
        secrets.put("fb", fallback.secretData());
        List<Route> routes = List.of(route("chat", "chat-tls", "chat.example.com"));
        SslContext served = r.serverCertificates(routes, problems::add).select("chat.example.com");
        secrets.put("chat-tls", shortLived.withWrongKey().secretData());
        assertThat(r.serverCertificates(routes, problems::add).select("chat.example.com")).isSameAs(served);
        clock.now = clock.now.plus(Duration.ofHours(2));
        problems.clear();
        ServerCertificates later = r.serverCertificates(routes, problems::add);
        assertThat(later.select("chat.example.com")).isNotNull().isNotSameAs(served).isSameAs(later.select(null));
        assertThat(problems).singleElement().satisfies(p -> assertThat(p.message()).doesNotContain("still served"));
    }

    @Test
    void unchangedMaterialKeepsItsContextAcrossBuildsAndRotationGetsANewOne() {
        secrets.put("chat-tls", chat.secretData()).put("wild-tls", wildcard.secretData());
        TlsMaterialResolver r = resolver(Optional.empty());
        List<Route> routes = List.of(route("chat", "chat-tls", "chat.example.com"), route("wild", "wild-tls", "*.example.com"));
        ServerCertificates first = r.serverCertificates(routes, problems::add);
        ServerCertificates second = r.serverCertificates(routes, problems::add);
        assertThat(second.select("chat.example.com")).isSameAs(first.select("chat.example.com"));

        secrets.put("chat-tls", ca.issue("chat.example.com").secretData());
        ServerCertificates rotated = r.serverCertificates(routes, problems::add);
        assertThat(rotated.select("chat.example.com")).isNotNull().isNotSameAs(first.select("chat.example.com"));
        assertThat(rotated.select("x.example.com")).isSameAs(first.select("x.example.com"));
        assertThat(problems).isEmpty();
    }

    @Test
    void aNewSecretSetSharesTheCacheWithSecrets() {
        // the routes file makes a new Secret set per version: unchanged certificates keep their contexts (and sessions)
        secrets.put("chat-tls", chat.secretData());
        TlsMaterialResolver first = resolver(Optional.empty());
        List<Route> routes = List.of(route("chat", "chat-tls", "chat.example.com"));
        SslContext before = first.serverCertificates(routes, problems::add).select("chat.example.com");
        TlsMaterialResolver next = first.withSecrets(new MutableSecrets().put("chat-tls", chat.secretData()));
        secrets.remove("chat-tls");
        assertThat(next.serverCertificates(routes, problems::add).select("chat.example.com")).isNotNull().isSameAs(before);
        assertThat(problems).isEmpty();
    }

    @Test
    void contextsNoLongerUsedAreForgottenAfterTwoBuilds() {
        secrets.put("chat-tls", chat.secretData());
        TlsMaterialResolver r = resolver(Optional.empty());
        List<Route> routes = List.of(route("chat", "chat-tls", "chat.example.com"));
        r.serverCertificates(routes, problems::add);
        secrets.put("chat-tls", ca.issue("chat.example.com").secretData());
        r.serverCertificates(routes, problems::add);
        assertThat(r.cachedContexts()).isEqualTo(2); // the previous build's context is still kept
        r.serverCertificates(routes, problems::add);
        assertThat(r.cachedContexts()).isEqualTo(1);
    }

    @Test
    void aCachedCertificateThatExpiresMeanwhileIsReported() {
        Issued shortLived = ca.leaf("chat.example.com").validUntil(Instant.now().plus(Duration.ofHours(1))).build();
        secrets.put("chat-tls", shortLived.secretData());
        MutableClock clock = new MutableClock(Instant.now());
        TlsMaterialResolver r = new TlsMaterialResolver(secrets, Optional.empty(), null, new TlsContexts(SslProvider.JDK), clock);
        List<Route> routes = List.of(route("chat", "chat-tls", "chat.example.com"));
        assertThat(r.serverCertificates(routes, problems::add).select("chat.example.com")).isNotNull();
        clock.now = clock.now.plus(Duration.ofHours(2));
        assertThat(r.serverCertificates(routes, problems::add).select("chat.example.com")).isNull();
        assertThat(problems).singleElement().satisfies(p -> assertThat(p.message()).contains("the certificate expired at"));
    }

    @Test
    void ecAndPkcs8KeysLoad() {
        secrets.put("ec1", ecPkcs8.secretData(KeyFormat.PKCS1)).put("ec8", ecPkcs8.secretData(KeyFormat.PKCS8))
                .put("rsa8", chat.secretData(KeyFormat.PKCS8)).put("chain", Map.of(
                        "tls.crt", wildcard.chainPem().getBytes(US_ASCII), "tls.key", wildcard.keyPem().getBytes(US_ASCII)));
        ServerCertificates certs = resolver(Optional.empty()).serverCertificates(List.of(route("ec1", "ec1", "ec1.example.org"),
                route("ec8", "ec8", "ec8.example.org"), route("rsa8", "rsa8", "chat.example.com"), route("chain", "chain", "*.example.com")), problems::add);
        assertThat(problems).isEmpty();
        assertThat(List.of("ec1.example.org", "ec8.example.org", "chat.example.com", "w.example.com")).allSatisfy(h -> assertThat(certs.select(h)).isNotNull());
    }

    @Test
    void pemFilesRelativeToTheRoutesFile(@TempDir Path dir) throws Exception {
        Files.createDirectory(dir.resolve("certs"));
        chat.writePem(dir.resolve("certs"), "chat");
        TlsMaterialResolver r = new TlsMaterialResolver(SecretSource.EMPTY, Optional.empty(), dir, new TlsContexts(SslProvider.JDK), Clock.systemUTC());
        ServerCertificates certs = r.serverCertificates(List.of(
                fileRoute("chat", "certs/chat.crt", "certs/chat.key", "chat.example.com"),
                fileRoute("gone", "certs/gone.crt", "certs/chat.key", "gone.example.com")), problems::add);
        assertThat(certs.select("chat.example.com")).isNotNull();
        assertThat(certs.select("gone.example.com")).isNull();
        assertThat(problems).extracting(TlsProblem::reason, TlsProblem::message)
                .containsExactly(tuple("SecretNotFound", "certFile " + dir.resolve("certs/gone.crt") + ": no such file"));
    }

    @Test
    void upstreamContexts(@TempDir Path dir) {
        ca.writeCertificatePem(dir.resolve("ca.pem"));
        secrets.put("ca", Map.of("ca.crt", ca.certificatePem().getBytes(US_ASCII)))
                .put("nocacrt", Map.of("tls.crt", ca.certificatePem().getBytes(US_ASCII)))
                .put("badca", Map.of("ca.crt", "junk".getBytes(US_ASCII)));
        TlsMaterialResolver r = new TlsMaterialResolver(secrets, Optional.empty(), dir, new TlsContexts(SslProvider.JDK), Clock.systemUTC());

        UpstreamTls withCa = upstream(r, new Rule.UpstreamTls("ca", null, "backend.internal", false));
        assertThat(withCa.sni()).isEqualTo("backend.internal");
        assertThat(withCa.context().isClient()).isTrue();
        assertThat(upstream(r, new Rule.UpstreamTls(null, "ca.pem", null, false)).context())
                .as("the same CA from a file is the same context").isSameAs(withCa.context());
        assertThat(upstream(r, new Rule.UpstreamTls(null, null, null, false)).context()).isNotSameAs(withCa.context());
        assertThat(upstream(r, new Rule.UpstreamTls(null, null, null, true)).context()).isNotNull();
        assertThat(problems).isEmpty();

        for (Rule.UpstreamTls bad : List.of(new Rule.UpstreamTls("nope", null, null, false),
                new Rule.UpstreamTls("nocacrt", null, null, false), new Rule.UpstreamTls("badca", null, null, false),
                new Rule.UpstreamTls(null, "missing.pem", null, false))) {
            assertThat(upstream(r, bad)).isNull();
        }
        assertThat(problems).extracting(TlsProblem::reason).containsOnly("InvalidUpstreamTLS");
        assertThat(problems).extracting(TlsProblem::message).containsExactly(
                "rules[0].upstreamTLS: CA Secret default/nope not found",
                "rules[0].upstreamTLS: CA Secret default/nocacrt has no ca.crt key",
                "rules[0].upstreamTLS: Secret default/badca key ca.crt: no PEM certificate found",
                "rules[0].upstreamTLS: caFile " + dir.resolve("missing.pem") + ": no such file");
    }

    private UpstreamTls upstream(TlsMaterialResolver r, Rule.UpstreamTls u) {
        Route route = upstreamRoute("up", u);
        return r.upstream(route, route.rules().get(0), problems::add);
    }

    static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}

package dev.wsroute.operator.cluster;

import static dev.wsroute.operator.cluster.Fixtures.route;
import static dev.wsroute.operator.cluster.Fixtures.service;
import static dev.wsroute.operator.cluster.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

import dev.wsroute.api.TlsSpec;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.model.RouteId;
import dev.wsroute.operator.translate.Condition;
import dev.wsroute.operator.translate.BackendResolver;
import dev.wsroute.operator.translate.ServiceResolver;
import dev.wsroute.operator.translate.Translation;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.SecretSource;
import dev.wsroute.tls.TlsMaterialResolver;
import dev.wsroute.tls.TlsResolver;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

/** The pass loop: endpoint churn stays local, a failing pass keeps the last table, statuses come with every pass. */
class ClusterSyncTest {
    private final MutableView view = new MutableView();
    private final RouteTableHolder holder = new RouteTableHolder();
    private final AtomicBoolean broken = new AtomicBoolean();
    private final AtomicReference<Translation> statuses = new AtomicReference<>();
    private ClusterSync sync;

    @AfterEach
    void close() {
        sync.close();
    }

    @Test
    void aSliceChangeReResolvesOnlyItsOwnService() {
        for (int i = 0; i < 10; i++) {
            view.put(service("ns", "svc" + i, 80, "ws"))
                    .put(slice("ns", "svc" + i, "svc" + i, "ws", 8080, List.of("10.0.0." + i), List.of()))
                    .put(route("ns", "r" + i, List.of("h" + i + ".example.com"), "/", "svc" + i, "80"));
        }
        sync = start();
        assertThat(sync.resolutions()).isEqualTo(10);
        assertThat(endpoints("r3")).containsExactly("10.0.0.3:8080");

        view.put(slice("ns", "svc3", "svc3", "ws", 8080, List.of("10.0.0.3", "10.0.1.3"), List.of()));
        sync.serviceChanged("ns", "svc3");

        await().atMost(Duration.ofSeconds(30)).until(() -> endpoints("r3").size() == 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> readyInStatus("r3") == 2); // the same pass made both
        assertThat(readyInStatus("r4")).isEqualTo(1);
        assertThat(sync.resolutions()).as("only svc3 was resolved again").isEqualTo(11);
        assertThat(endpoints("r4")).containsExactly("10.0.0.4:8080");
    }

    /**
     * At startup the informers list routes first, then Services and EndpointSlices: a route's add event made a pass of
     * its own one hold-off later, while its Service was not listed yet, so a table and statuses saying ServiceNotFound
     * with empty pools were published (and, without leader election, written with Warning Events) before the full pass.
     * Now events before the first rebuildNow make no pass.
     */
    @Test
    void eventsWhileTheCachesAreStillListingMakeNoPass() {
        WebSocketRoute r = route("ns", "r", List.of(), "/", "svc", "80");
        view.put(r); // the routes are listed, the Services not yet
        TlsResolver tls = TlsResolver.NONE;
        Translator translator = new Translator(new ValidationCache());
        sync = new ClusterSync(resolver -> translator.translate(view, resolver),
                new CachingResolver(new ServiceResolver(view)), holder, () -> tls, statuses::set, Duration.ZERO, false);
        sync.routeChanged(null, r); // the route informer's add
        view.put(service("ns", "svc", 80, "ws")).put(slice("ns", "svc", "svc", "ws", 8080, List.of("10.0.0.1"), List.of()));
        sync.rebuildNow(); // a pass scheduled before it, due earlier, runs first on the same thread

        assertThat(sync.passes()).as("one pass, over the synced caches").isEqualTo(1);
        assertThat(holder.current().version()).isEqualTo(1);
        assertThat(resolvedRefs("r").reason()).isEqualTo(Condition.RESOLVED_REFS);
        assertThat(endpoints("r")).containsExactly("10.0.0.1:8080");
    }

    @Test
    void aFailingRebuildKeepsTheLastTable() {
        view.put(service("ns", "svc", 80, "ws"))
                .put(slice("ns", "svc", "svc", "ws", 8080, List.of("10.0.0.1"), List.of()))
                .put(route("ns", "r", List.of(), "/", "svc", "80"));
        sync = start();
        long good = holder.current().version();

        broken.set(true);
        view.put(slice("ns", "svc", "svc", "ws", 8080, List.of(), List.of()));
        sync.serviceChanged("ns", "svc");
        sync.rebuildNow(); // runs after the scheduled rebuild on the same thread

        assertThat(holder.current().version()).isEqualTo(good);
        assertThat(endpoints("r")).containsExactly("10.0.0.1:8080");

        broken.set(false);
        sync.serviceChanged("ns", "svc");
        await().atMost(Duration.ofSeconds(30)).until(() -> endpoints("r").isEmpty());
        assertThat(holder.current().version()).isGreaterThan(good);
    }

    /**
     * A certificate that passed its notAfter while nothing in the cluster changed kept being served, and its route kept
     * ResolvedRefs=True, until some other event caused a pass. Now the pass that published the table set a timer at the
     * earliest notAfter: at expiry a pass runs on its own.
     */
    @Test
    void aCertificateThatExpiresWhileNothingChangesTurnsTheRouteInvalidCertificate() throws Exception {
        // 9-10 s: a cold JVM on a busy machine must build and load it, and check it still valid, before it expires
        Instant soon = Instant.now().plusSeconds(10).truncatedTo(ChronoUnit.SECONDS);
        TlsResolver tls = tlsRouteUntil(soon);
        sync = start(new Translator(new ValidationCache(), tls), tls);
        assertThat(resolvedRefs("r").reason()).isEqualTo(Condition.RESOLVED_REFS);
        assertThat(holder.current().certificates().certificates()).extracting(c -> c.notAfter()).containsExactly(soon);
        long version = holder.current().version();

        await().atMost(Duration.ofSeconds(60)).until(() -> "InvalidCertificate".equals(resolvedRefs("r").reason()));
        assertThat(resolvedRefs("r").message()).contains("expired");
        assertThat(holder.current().version()).isGreaterThan(version);
        assertThat(holder.current().problems()).extracting(p -> p.reason()).containsExactly("InvalidCertificate");
    }

    /**
     * Operator mode has no data plane and so no table to time: the timer was set only where a table was published, and
     * an operator-only deployment's route kept ResolvedRefs=True after its certificate expired until some other event.
     * The statuses alone now turn at the certificate's notAfter.
     */
    @Test
    void withoutADataPlaneAnExpiringCertificateStillTurnsTheRouteInvalidCertificate() throws Exception {
        TlsResolver tls = tlsRouteUntil(Instant.now().plusSeconds(10).truncatedTo(ChronoUnit.SECONDS)); // see above
        Translator translator = new Translator(new ValidationCache(), tls);
        sync = new ClusterSync(resolver -> translator.translate(view, resolver), new CachingResolver(new ServiceResolver(view)),
                null, () -> tls, statuses::set, Duration.ofMillis(5), false);
        sync.rebuildNow();
        assertThat(resolvedRefs("r").reason()).isEqualTo(Condition.RESOLVED_REFS);
        long passes = sync.passes();

        await().atMost(Duration.ofSeconds(60)).until(() -> "InvalidCertificate".equals(resolvedRefs("r").reason()));
        assertThat(resolvedRefs("r").message()).contains("expired");
        assertThat(sync.passes()).isGreaterThan(passes);
    }

    /**
     * Each pass checks every route's certificate for its status (one resolver call per route), then builds the table.
     * Each of those calls ended a "build" of the resolver's context cache, which keeps what the last two builds used: with
     * three TLS routes the checks of two routes dropped the third's context, and every pass (any EndpointSlice change in
     * a rollout) built new contexts for unchanged Secrets, so TLS session tickets and ids from before no longer resumed.
     * The checks now build nothing and forget nothing.
     */
    @Test
    void unchangedSecretsKeepTheirContextsAcrossPasses() throws Exception {
        TlsResolver tls = tlsRoutes("a", "b", "c");
        sync = start(new Translator(new ValidationCache(), tls), tls);
        List<Object> before = contexts("a", "b", "c");
        assertThat(before).doesNotContainNull().doesNotHaveDuplicates();

        sync.rebuildNow(); // as any change in the cluster makes one (a rollout's EndpointSlices: many)
        sync.rebuildNow();

        assertThat(contexts("a", "b", "c")).as("the same contexts, so resumed sessions still resume")
                .usingElementComparator((x, y) -> x == y ? 0 : 1).containsExactlyElementsOf(before);
    }

    /**
     * A Secret edited into something unusable keeps serving the certificate it served before, also in a cluster, where
     * the status checks of the other routes run between two table builds.
     */
    @Test
    void aSecretEditedToABrokenKeyKeepsItsCertificateServedAndTheStatusSaysSo() throws Exception {
        TlsResolver tls = tlsRoutes("a", "b", "c");
        sync = start(new Translator(new ValidationCache(), tls), tls);
        Object served = contexts("a").get(0);

        Secret edited = new SecretBuilder(shortLivedSecret("ns", "a-tls", Instant.now().plus(1, ChronoUnit.DAYS)))
                .addToData("tls.key", Base64.getEncoder().encodeToString("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
                        .getBytes(StandardCharsets.US_ASCII))).build();
        view.put(edited);
        sync.rebuildNow();

        assertThat(resolvedRefs("a").reason()).isEqualTo("InvalidCertificate");
        assertThat(resolvedRefs("a").message()).contains("tls.key", "is still served");
        assertThat(contexts("a").get(0)).isSameAs(served);
    }

    /** The contexts the table in force serves for these routes' hosts ({@code <name>.example.com}). */
    private List<Object> contexts(String... names) {
        return java.util.Arrays.stream(names).map(n -> (Object) holder.current().certificates().select(n + ".example.com")).toList();
    }

    /** Routes named so, each with host {@code <name>.example.com} and its own Secret {@code <name>-tls}; the resolver over them. */
    private TlsResolver tlsRoutes(String... names) throws Exception {
        view.put(service("ns", "svc", 80, "ws")).put(slice("ns", "svc", "svc", "ws", 8080, List.of("10.0.0.1"), List.of()));
        for (String n : names) {
            WebSocketRoute r = route("ns", n, List.of(n + ".example.com"), "/", "svc", "80");
            r.getSpec().tls = new TlsSpec();
            r.getSpec().tls.secretName = n + "-tls";
            view.put(r).put(shortLivedSecret("ns", n + "-tls", Instant.now().plus(1, ChronoUnit.DAYS)));
        }
        SecretSource secrets = (ns, name) -> view.secret(ns, name).map(sec -> sec.getData().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> Base64.getDecoder().decode(e.getValue()))));
        return new TlsMaterialResolver(secrets, Optional.empty(), null);
    }

    /** Route r (TLS from Secret r-tls, a certificate valid until {@code notAfter}) and its Service; the resolver over them. */
    private TlsResolver tlsRouteUntil(Instant notAfter) throws Exception {
        WebSocketRoute r = route("ns", "r", List.of("localhost"), "/", "svc", "80");
        r.getSpec().tls = new TlsSpec();
        r.getSpec().tls.secretName = "r-tls";
        view.put(service("ns", "svc", 80, "ws"))
                .put(slice("ns", "svc", "svc", "ws", 8080, List.of("10.0.0.1"), List.of()))
                .put(r)
                .put(shortLivedSecret("ns", "r-tls", notAfter));
        SecretSource secrets = (ns, name) -> view.secret(ns, name).map(sec -> sec.getData().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> Base64.getDecoder().decode(e.getValue()))));
        return new TlsMaterialResolver(secrets, Optional.empty(), null);
    }

    private Condition resolvedRefs(String route) {
        return statuses.get().statuses().get(new RouteId("ns", route)).conditions().stream()
                .filter(c -> c.type().equals(Condition.RESOLVED_REFS)).findFirst().orElseThrow();
    }

    /** A kubernetes.io/tls Secret with a self-signed EC certificate for localhost valid until {@code notAfter}. */
    static Secret shortLivedSecret(String ns, String name, Instant notAfter) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair keys = generator.generateKeyPair();
        X500Name subject = new X500Name("CN=localhost");
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(subject,
                BigInteger.valueOf(System.nanoTime()), Date.from(Instant.now().minusSeconds(60)), Date.from(notAfter), subject,
                keys.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        return new SecretBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata().withType("kubernetes.io/tls")
                .addToData("tls.crt", base64Pem("CERTIFICATE", cert.getEncoded()))
                .addToData("tls.key", base64Pem("PRIVATE KEY", keys.getPrivate().getEncoded())).build();
    }

    private static String base64Pem(String type, byte[] der) {
        String pem = "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }

    private ClusterSync start() {
        return start(new Translator(new ValidationCache()), TlsResolver.NONE);
    }

    private ClusterSync start(Translator translator, TlsResolver tls) {
        Function<BackendResolver, Translation> pass = resolver -> {
            if (broken.get()) {
                throw new IllegalStateException("simulated bug");
            }
            return translator.translate(view, resolver);
        };
        ClusterSync s = new ClusterSync(pass, new CachingResolver(new ServiceResolver(view)), holder,
                () -> tls, statuses::set, Duration.ofMillis(5), false);
        s.rebuildNow();
        return s;
    }

    private int readyInStatus(String route) {
        return statuses.get().statuses().get(new RouteId("ns", route)).readyEndpoints();
    }

    private List<String> endpoints(String route) {
        CompiledRoute r = holder.current().route(new RouteId("ns", route));
        return r == null ? List.of() : r.rules().get(0).pool().endpoints().stream().map(Endpoint::key).sorted().toList();
    }
}

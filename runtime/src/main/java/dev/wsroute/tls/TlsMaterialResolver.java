package dev.wsroute.tls;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import javax.net.ssl.SSLException;

import org.jboss.logging.Logger;

import dev.wsroute.model.Route;
import dev.wsroute.model.RouteId;
import dev.wsroute.model.Rule;
import io.netty.handler.ssl.SslContext;

/**
 * Turns routes' {@code tls} and rules' {@code upstreamTLS} into Netty contexts, from a {@link SecretSource} (and, in
 * standalone mode, PEM files). Contexts are cached by content digest, so unchanged material keeps its context
 * across table builds and a rotated Secret gets a new one. Problems become route conditions, never failures:
 * a route whose certificate fails is left out of the SNI map and so is served the default certificate, except when
 * a Secret (or PEM file) that served changes to something unusable: then the certificate it served before goes on
 * serving, while it is valid, and the condition says so (a botched edit does not take the host down). A deleted
 * Secret (or file) takes its certificate with it.
 */
public final class TlsMaterialResolver implements TlsResolver {
    private static final Logger LOG = Logger.getLogger(TlsMaterialResolver.class);

    private final SecretSource secrets;
    private final Optional<SecretRef> defaultSecret;
    private final MaterialFiles files;
    private final TlsContexts contexts;
    private final Clock clock;
    private final ContextCache cache;
    private final AtomicReference<String> lastDefaultProblem; // logged once per distinct problem: builds are frequent
    /** By source ("namespace/name" of a Secret, or a certFile): what it last served, kept through an unusable change. */
    private final Map<String, ServerBuilt> lastGood;

    /**
     * @param defaultSecret {@code wsroute.tls.default-secret}: "namespace/name" or "name" (namespace default)
     * @param fileBase where relative certFile/keyFile/caFile paths start (the routes file's directory); null: the
     *        working directory
     */
    public TlsMaterialResolver(SecretSource secrets, Optional<String> defaultSecret, Path fileBase) {
        this(secrets, defaultSecret, fileBase, TlsContexts.automatic(), Clock.systemUTC());
    }

    public TlsMaterialResolver(SecretSource secrets, Optional<String> defaultSecret, Path fileBase, TlsContexts contexts, Clock clock) {
        this(requireNonNull(secrets, "secrets"), requireNonNull(defaultSecret, "defaultSecret").map(SecretRef::parse),
                new MaterialFiles(fileBase), requireNonNull(contexts, "contexts"), requireNonNull(clock, "clock"),
                new ContextCache(), new AtomicReference<>(), new ConcurrentHashMap<>());
    }

    private TlsMaterialResolver(SecretSource secrets, Optional<SecretRef> defaultSecret, MaterialFiles files, TlsContexts contexts,
            Clock clock, ContextCache cache, AtomicReference<String> lastDefaultProblem, Map<String, ServerBuilt> lastGood) {
        this.secrets = secrets;
        this.defaultSecret = defaultSecret;
        this.files = files;
        this.contexts = contexts;
        this.clock = clock;
        this.cache = cache;
        this.lastDefaultProblem = lastDefaultProblem;
        this.lastGood = lastGood;
    }

    /**
     * The same resolver over other Secrets, sharing the context cache: for a source that makes a new Secret set per
     * version (the routes file), so unchanged certificates keep their contexts (and TLS sessions) across versions.
     */
    public TlsMaterialResolver withSecrets(SecretSource other) {
        return new TlsMaterialResolver(requireNonNull(other, "other"), defaultSecret, files, contexts, clock, cache, lastDefaultProblem, lastGood);
    }

    @Override
    public ServerCertificates serverCertificates(List<Route> routes, Consumer<TlsProblem> problems) {
        Set<String> sources = new HashSet<>();
        try {
            Map<String, SslContext> byHost = new LinkedHashMap<>();
            List<ServedCertificate> certificates = new ArrayList<>();
            SslContext hostless = null;
            for (Route route : routes) {
                if (route.tls().isEmpty()) {
                    continue;
                }
                SslContext ctx = serverContext(route.id(), route.tls().get(), problems, certificates, sources);
                if (ctx == null) {
                    continue;
                }
                if (route.hosts().isEmpty()) {
                    hostless = hostless == null ? ctx : hostless; // the first valid one, in route order
                }
                for (String host : route.hosts()) {
                    byHost.putIfAbsent(host, ctx); // an earlier route keeps its host, as for routing
                }
            }
            SslContext fallback = defaultSecret.isPresent() ? defaultContext(defaultSecret.get(), certificates, sources) : hostless;
            return new ServerCertificates(byHost, fallback, certificates);
        } finally {
            cache.sweep(); // one call per table build
            lastGood.keySet().retainAll(sources); // a route (or default) that names it no more: nothing to keep
        }
    }

    /**
     * A route's status check (one per route per pass in a cluster, between table builds): it is no build, so it ends
     * none. As one, each check swept the cache and forgot the kept certificates of every other route: with three TLS
     * routes every pass rebuilt the contexts of unchanged Secrets (and sessions stopped resuming).
     */
    @Override
    public void checkServer(Route route, Consumer<TlsProblem> problems) {
        if (route.tls().isPresent()) {
            serverContext(route.id(), route.tls().get(), problems, new ArrayList<>(), new HashSet<>());
        }
    }

    @Override
    public UpstreamTls upstream(Route route, Rule rule, Consumer<TlsProblem> problems) {
        Rule.UpstreamTls u = rule.upstreamTls().orElseThrow(() -> new IllegalArgumentException("rule has no upstreamTls"));
        String at = "rules[" + rule.index() + "].upstreamTLS: ";
        try {
            return new UpstreamTls(clientContext(route.id(), u), u.sni(), !u.insecureSkipVerify());
        } catch (Problem p) {
            problems.accept(new TlsProblem(route.id(), TlsReasons.INVALID_UPSTREAM_TLS, at + p.getMessage()));
            return null;
        }
    }

    /** How many contexts (and cached failures) are held: for tests of the sweep. */
    int cachedContexts() {
        return cache.size();
    }

    /** The server context of a route, or null after reporting why not. */
    private SslContext serverContext(RouteId id, Route.TlsRef ref, Consumer<TlsProblem> problems, List<ServedCertificate> certificates,
            Set<String> sources) {
        SecretRef secret = ref.secretName() != null ? new SecretRef(id.namespace(), ref.secretName()) : null;
        String source = secret != null ? secret.toString() : ref.certFile();
        sources.add(source);
        int mark = certificates.size();
        try {
            ServerMaterial m = secret != null ? ServerMaterial.fromSecret(secrets, secret) : files.server(ref.certFile(), ref.keyFile());
            return server(m, id, source, certificates);
        } catch (Problem p) {
            ServerBuilt kept = kept(p, id, source, certificates, mark);
            problems.accept(new TlsProblem(id, p.reason, p.getMessage() + keptNote(kept)));
            return kept == null ? null : kept.context;
        }
    }

    private SslContext defaultContext(SecretRef ref, List<ServedCertificate> certificates, Set<String> sources) {
        String source = ref.toString();
        sources.add(source);
        int mark = certificates.size();
        try {
            SslContext ctx = server(ServerMaterial.fromSecret(secrets, ref), null, source, certificates);
            lastDefaultProblem.set(null);
            return ctx;
        } catch (Problem p) {
            ServerBuilt kept = kept(p, null, source, certificates, mark);
            String message = "default certificate (wsroute.tls.default-secret): " + p.getMessage() + keptNote(kept);
            if (!message.equals(lastDefaultProblem.getAndSet(message))) {
                LOG.warn(message + (kept == null ? "; clients without a known SNI will fail the handshake" : ""));
            }
            return kept == null ? null : kept.context;
        }
    }

    /**
     * After the material of {@code source} failed: what it served before, if that is valid now and the source was not
     * deleted (a Secret not found, a file gone). A kept certificate is listed first for the route, at {@code mark}, so
     * metrics and the status page show the one served.
     */
    private ServerBuilt kept(Problem p, RouteId route, String source, List<ServedCertificate> certificates, int mark) {
        ServerBuilt before = p.gone ? lastGood.remove(source) : lastGood.get(source);
        if (p.gone || before == null) {
            return null;
        }
        Instant now = clock.instant();
        if (now.isAfter(before.notAfter) || now.isBefore(before.notBefore)) {
            lastGood.remove(source, before);
            return null;
        }
        certificates.add(mark, new ServedCertificate(route, source, before.notBefore, before.notAfter, true));
        return before;
    }

    private static String keptNote(ServerBuilt kept) {
        return kept == null ? "" : "; the certificate it served before (valid until " + kept.notAfter + ") is still served";
    }

    /**
     * The material's context if its certificate is valid now (and then the one {@code source} serves from now on); a
     * certificate that parsed is added to {@code certificates} either way.
     */
    private SslContext server(ServerMaterial m, RouteId route, String source, List<ServedCertificate> certificates) throws Problem {
        Object built = cache.get(ContextCache.digest("server/" + contexts.provider(), m.chain(), m.key()), () -> buildServer(m));
        if (built instanceof Problem p) {
            throw p;
        }
        ServerBuilt s = (ServerBuilt) built;
        Instant now = clock.instant(); // checked on every build: a cached certificate can expire
        boolean valid = !now.isAfter(s.notAfter) && !now.isBefore(s.notBefore);
        certificates.add(new ServedCertificate(route, source, s.notBefore, s.notAfter, valid));
        if (now.isAfter(s.notAfter)) {
            throw Problem.invalid(m.where() + ": the certificate expired at " + s.notAfter);
        }
        if (now.isBefore(s.notBefore)) {
            throw Problem.invalid(m.where() + ": the certificate is not valid before " + s.notBefore);
        }
        lastGood.put(source, s);
        return s.context;
    }

    private record ServerBuilt(SslContext context, Instant notBefore, Instant notAfter) {
    }

    private Object buildServer(ServerMaterial m) {
        try {
            List<X509Certificate> chain = Pem.certificates(m.chain(), m.chainName());
            PrivateKey key = Pem.privateKey(m.key(), m.keyName());
            X509Certificate leaf = chain.get(0);
            if (!KeyPairCheck.matches(key, leaf.getPublicKey())) {
                return Problem.invalid(m.where() + ": " + m.keyName() + " does not match the certificate in " + m.chainName());
            }
            return new ServerBuilt(contexts.server(key, chain), leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
        } catch (InvalidMaterialException e) {
            return Problem.invalid(m.where() + ": " + e.getMessage());
        } catch (SSLException | RuntimeException e) {
            // an engine's refusal (an unsupported key type, say); its message names no key bytes
            return Problem.invalid(m.where() + ": the TLS engine refused the certificate or key (" + e.getClass().getSimpleName() + ")");
        }
    }

    private SslContext clientContext(RouteId id, Rule.UpstreamTls u) throws Problem {
        if (u.insecureSkipVerify()) {
            return client("insecure", new byte[0], () -> contexts.insecureClient());
        }
        if (u.caSecretName() == null && u.caFile() == null) {
            return client("system", new byte[0], () -> contexts.client(null));
        }
        byte[] pem;
        String where;
        if (u.caSecretName() != null) {
            SecretRef ref = new SecretRef(id.namespace(), u.caSecretName());
            where = "Secret " + ref + " key " + SecretSource.CA_CRT;
            Map<String, byte[]> data = secrets.lookup(ref.namespace(), ref.name())
                    .orElseThrow(() -> Problem.upstream("CA Secret " + ref + " not found"));
            pem = data.get(SecretSource.CA_CRT);
            if (pem == null) {
                throw Problem.upstream("CA Secret " + ref + " has no " + SecretSource.CA_CRT + " key");
            }
        } else {
            where = "caFile " + u.caFile();
            pem = files.read(u.caFile(), "caFile", TlsReasons.INVALID_UPSTREAM_TLS);
        }
        byte[] ca = pem;
        return client("ca", ca, () -> {
            try {
                return contexts.client(Pem.certificates(ca, where));
            } catch (InvalidMaterialException e) {
                throw Problem.upstream(e.getMessage());
            }
        });
    }

    private interface ClientBuild {
        SslContext build() throws SSLException, Problem;
    }

    private SslContext client(String kind, byte[] ca, ClientBuild build) throws Problem {
        Object built = cache.get(ContextCache.digest("client/" + kind + "/" + contexts.provider(), ca, null), () -> {
            try {
                return build.build();
            } catch (Problem p) {
                return p;
            } catch (SSLException | RuntimeException e) {
                return Problem.upstream("the TLS engine refused the CA certificates (" + e.getClass().getSimpleName() + ")");
            }
        });
        if (built instanceof Problem p) {
            throw p;
        }
        return (SslContext) built;
    }

    /** A reason and a message fit for a condition; no stack trace, no cause. */
    static final class Problem extends Exception {
        private static final long serialVersionUID = 1L;
        final String reason;
        /** The Secret or file is not there at all (deleted): what it served before is not kept. */
        final boolean gone;

        Problem(String reason, String message) {
            this(reason, message, false);
        }

        Problem(String reason, String message, boolean gone) {
            super(message, null, false, false);
            this.reason = reason;
            this.gone = gone;
        }

        static Problem notFound(String message) {
            return new Problem(TlsReasons.SECRET_NOT_FOUND, message);
        }

        static Problem gone(String message) {
            return new Problem(TlsReasons.SECRET_NOT_FOUND, message, true);
        }

        static Problem invalid(String message) {
            return new Problem(TlsReasons.INVALID_CERTIFICATE, message);
        }

        static Problem upstream(String message) {
            return new Problem(TlsReasons.INVALID_UPSTREAM_TLS, message);
        }
    }
}

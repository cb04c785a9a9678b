package dev.wsroute.testing;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.wsroute.model.Lifecycle;
import dev.wsroute.model.LoadBalancing;
import dev.wsroute.model.Match;
import dev.wsroute.model.Rewrite;
import dev.wsroute.model.Route;
import dev.wsroute.model.RouteId;
import dev.wsroute.model.Rule;
import dev.wsroute.tls.SecretSource;

/** Validated-model routes and Secrets for TLS tests. */
public final class TlsRoutes {
    private TlsRoutes() {
    }

    /** A route in namespace "default" whose certificate is Secret {@code secret}; no hosts means any host. */
    public static Route route(String name, String secret, String... hosts) {
        return new Route(new RouteId("default", name), List.of(hosts),
                Optional.of(new Route.TlsRef(secret, null, null, false)), List.of(), List.of());
    }

    /** A standalone route whose certificate comes from PEM files. */
    public static Route fileRoute(String name, String certFile, String keyFile, String... hosts) {
        return new Route(new RouteId("default", name), List.of(hosts),
                Optional.of(new Route.TlsRef(null, certFile, keyFile, false)), List.of(), List.of());
    }

    /** A route without TLS whose one rule has this upstream TLS. */
    public static Route upstreamRoute(String name, Rule.UpstreamTls upstream) {
        Rule rule = new Rule(0, null, Match.ANY, Rewrite.NONE, List.of(), Optional.of(upstream), LoadBalancing.DEFAULT, List.of(),
                Rule.DEFAULT_MAX_CONNECTIONS, Duration.ofSeconds(10), Duration.ofHours(1), Lifecycle.NONE);
        return new Route(new RouteId("default", name), List.of(), Optional.empty(), List.of(rule), List.of());
    }

    /** Secrets held in memory and changed by the test, as the informer cache would change them. */
    public static final class MutableSecrets implements SecretSource {
        private final Map<String, Map<String, byte[]>> data = new ConcurrentHashMap<>();

        public MutableSecrets put(String namespace, String name, Map<String, byte[]> secret) {
            data.put(namespace + "/" + name, Map.copyOf(secret));
            return this;
        }

        public MutableSecrets put(String name, Map<String, byte[]> secret) {
            return put("default", name, secret);
        }

        public MutableSecrets remove(String name) {
            data.remove("default/" + name);
            return this;
        }

        @Override
        public Optional<Map<String, byte[]>> lookup(String namespace, String name) {
            return Optional.ofNullable(data.get(namespace + "/" + name));
        }
    }
}

package dev.wsroute.model;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One validated WebSocket rule of a route; {@code index} is its position in spec.rules, {@code name} its optional
 * name (a DNS label unique in the route; null when it has none).
 */
public record Rule(
        int index,
        String name,
        Match match,
        Rewrite rewrite,
        List<Backend> backends,
        Optional<UpstreamTls> upstreamTls,
        LoadBalancing loadBalancing,
        List<String> allowedOrigins,
        int maxConnections,
        Duration handshakeTimeout,
        Duration idleTimeout,
        Lifecycle lifecycle) {

    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);

    public Rule {
        backends = List.copyOf(backends);
        allowedOrigins = List.copyOf(allowedOrigins);
    }

    /** Matches any upgrade, edits nothing, default limits: what upgrades to the default backend run under. */
    public static Rule passThrough() {
        return new Rule(0, null, Match.ANY, Rewrite.NONE, List.of(), Optional.empty(), LoadBalancing.DEFAULT, List.of(),
                DEFAULT_MAX_CONNECTIONS, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_IDLE_TIMEOUT, Lifecycle.NONE);
    }

    /** TLS to the backends. */
    public record UpstreamTls(String caSecretName, String caFile, String sni, boolean insecureSkipVerify) {
    }
}

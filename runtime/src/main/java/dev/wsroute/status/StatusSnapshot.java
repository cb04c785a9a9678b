package dev.wsroute.status;

import java.util.List;
import java.util.Map;

/**
 * What the status page shows, as plain data (served as JSON under /q/wsroute/api/). Names and references only: a
 * route's TLS is shown by its Secret's name, never its contents.
 *
 * @param tableVersion the route table in force
 * @param sourceError the routes source's last error (standalone: the routes file), or null
 * @param openWebSockets open tunnels, all routes
 * @param clientConnections client connections and their limit; null where there is no data plane (operator mode)
 */
public record StatusSnapshot(long at, long tableVersion, String sourceError, int openWebSockets,
        ClientConnections clientConnections, List<RouteView> routes) {

    /**
     * @param open client connections open now, HTTP and WebSocket
     * @param limit the most taken: {@code configuredLimit}, or less when the open-files limit does not fit it
     * @param configuredLimit {@code wsroute.limits.max-connections}
     * @param limitReason why {@code limit} is below {@code configuredLimit}; null when it is not
     */
    public record ClientConnections(int open, int limit, int configuredLimit, String limitReason) {
    }

    /**
     * @param state "serving", or "serving with problems" when {@code problems} is not empty
     * @param tls "secret NAME", "files", or "none"
     * @param closesLastMinute WebSocket closes by close code over the last minute
     * @param certificate the certificate {@code spec.tls} names, when it parsed; null for none
     */
    public record RouteView(String id, List<String> hosts, String tls, String state, List<String> problems, List<RuleView> rules,
            HttpView http, Map<String, Long> closesLastMinute, CertificateView certificate) {
    }

    /**
     * A route's server certificate by its dates only (no key, no certificate bytes).
     *
     * @param source "namespace/name" of the Secret, or the certFile
     * @param notAfter the leaf's notAfter, ISO-8601 UTC ("2027-01-31T12:00:00Z")
     * @param daysLeft whole days from now to notAfter (negative once expired)
     * @param valid whether it is within its validity period now (false: the route is served the default certificate)
     */
    public record CertificateView(String source, String notAfter, long daysLeft, boolean valid) {
    }

    /**
     * @param state "ready", "terminating endpoints only" (new connections go to terminating pods that still serve,
     *        while no endpoint is ready), or "no ready endpoint" (upgrades get 503)
     */
    public record RuleView(int index, String match, String state, List<EndpointView> endpoints) {
    }

    /** The route's plain-HTTP pool (spec.http). */
    public record HttpView(List<String> endpoints) {
    }

    /**
     * @param state "ready" (in the pool, takes new connections), "terminating" (a terminating pod that still serves: takes
     *        new connections while its backend has no ready endpoint, and its sockets drain) or "draining" (gone from
     *        the pool, open sockets remain)
     * @param health "healthy", "unhealthy", or "not checked" (no health check reports on it)
     */
    public record EndpointView(String endpoint, String state, String health, int openWebSockets, double bytesPerSecond,
            double messagesPerSecond) {
    }
}

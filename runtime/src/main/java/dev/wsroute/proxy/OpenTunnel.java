package dev.wsroute.proxy;

import dev.wsroute.model.RouteId;

/**
 * A read-only sample of one open WebSocket tunnel, for the status page: which route, rule and endpoint it uses and what
 * it relayed so far (route null and rule -1 for a tunnel to the default backend; rule is where its rule is in the table
 * now, -1 once the rule is gone and the tunnel drains). Counts are read off the tunnel's event loop, so they may lag it by
 * a batch; {@code id} is unique per tunnel for the life of the process, so two samples can be subtracted.
 */
public record OpenTunnel(long id, RouteId route, int rule, String endpoint, long bytesFromClient, long bytesFromUpstream,
        long messagesFromClient, long messagesFromUpstream) {
}

package dev.wsroute.proxy;

import java.util.Locale;

import dev.wsroute.http.HttpChars;
import dev.wsroute.http.RequestHead;
import dev.wsroute.model.RouteId;
import dev.wsroute.model.Rule;
import dev.wsroute.table.CompiledRule;
import dev.wsroute.table.Pool;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.UnmatchedUpgrade;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Whether a WebSocket upgrade may go upstream, decided from the request and the route table alone — no sockets,
 * no counters — so every answer of the CONTRACT's table can be tested as a plain function. The one stateful
 * check, the rule's connection limit, is made by the caller after a {@link Go}.
 */
final class UpgradeAdmission {
    private UpgradeAdmission() {
    }

    /** What to do with an upgrade. */
    sealed interface Decision permits Answer, Go {
    }

    /**
     * The proxy answers itself and the connection stays usable for keep-alive (when the client allows it).
     *
     * @param route the route the answer is counted under; null when no route matched
     */
    record Answer(HttpResponseStatus status, String why, RouteId route, String headerName, String headerValue) implements Decision {
        Answer(HttpResponseStatus status, String why, RouteId route) {
            this(status, why, route, null, null);
        }

        FullHttpResponse response() {
            FullHttpResponse r = HttpResponses.of(status, why, false);
            if (headerName != null) {
                r.headers().set(headerName, headerValue);
            }
            return r;
        }
    }

    /** Admitted: connect to the rule's pool (a route's rule, or the default backend's pass-through rule). */
    record Go(CompiledRule rule) implements Decision {
    }

    /**
     * @param unclaimed where upgrades that no route claims go (sidecar: the app container; embedded: the app), or
     *        null for 404
     */
    static Decision decide(ClientRequest req, RouteTable table, Pool unclaimed) {
        RequestHead head = req.head();
        if (!head.method().equals("GET") || !HttpChars.isWebSocketKey(head.get("sec-websocket-key")) || head.framing().hasBody()) {
            return new Answer(HttpResponseStatus.BAD_REQUEST, "not a valid WebSocket upgrade (a GET without a body, with a 16-byte base64 Sec-WebSocket-Key)", null);
        }
        if (!"13".equals(head.get("sec-websocket-version"))) {
            return new Answer(HttpResponseStatus.UPGRADE_REQUIRED, "only WebSocket version 13 is supported", null,
                    HttpHeaderNames.SEC_WEBSOCKET_VERSION.toString(), "13");
        }
        CompiledRule rule = table.matchUpgrade(req);
        if (rule == null) {
            if (unclaimed != null) {
                return new Go(CompiledRule.defaultBackend(unclaimed));
            }
            return new Answer(HttpResponseStatus.NOT_FOUND, UnmatchedUpgrade.explain(table, req), null);
        }
        RouteId route = rule.key().route();
        Rule r = rule.rule();
        String origin = head.get("origin");
        if (origin != null && !r.allowedOrigins().isEmpty() && !r.allowedOrigins().contains(origin.toLowerCase(Locale.ROOT))) {
            return new Answer(HttpResponseStatus.FORBIDDEN, "origin not allowed", route);
        }
        if (rule.pool().isEmpty()) {
            return new Answer(HttpResponseStatus.SERVICE_UNAVAILABLE, "no ready endpoint", route);
        }
        return new Go(rule);
    }

    /** The rule is at its maxConnections: 503 with a hint when to come back. */
    static Answer atLimit(CompiledRule rule) {
        return new Answer(HttpResponseStatus.SERVICE_UNAVAILABLE, "route is at its connection limit", rule.key().route(),
                HttpHeaderNames.RETRY_AFTER.toString(), "5");
    }

    /** The client opened upgrades on this rule faster than its rateLimit allows: 429, and when a token is back. */
    static Answer rateLimited(CompiledRule rule, long retryAfterSeconds) {
        return new Answer(HttpResponseStatus.TOO_MANY_REQUESTS, "too many upgrades from this client", rule.key().route(),
                HttpHeaderNames.RETRY_AFTER.toString(), Long.toString(retryAfterSeconds));
    }

}

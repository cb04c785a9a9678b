package dev.wsroute.proxy;

import java.net.SocketAddress;

import org.jboss.logging.Logger;

import dev.wsroute.model.RouteId;
import dev.wsroute.table.Endpoint;

/**
 * One line per plain HTTP request and per WebSocket session (at close), on the category {@code wsroute.access}.
 * Callers hand over typed values; they become text here, at the edge.
 */
final class AccessLog {
    private static final Logger LOG = Logger.getLogger("wsroute.access");

    private final boolean enabled;

    /** Who asked for what: the part of a line known when the request arrives. */
    record Request(SocketAddress client, String host, String uri) {
    }

    AccessLog(boolean enabled) {
        this.enabled = enabled && LOG.isInfoEnabled();
    }

    void http(Request r, String method, RouteId route, Endpoint endpoint, int status, long nanos) {
        if (enabled) {
            LOG.infof("http client=%s method=%s host=%s uri=%s route=%s endpoint=%s status=%d duration_ms=%.1f",
                    r.client(), method, r.host(), r.uri(), ProxyMetrics.label(route), orDash(endpoint), status, nanos / 1e6);
        }
    }

    void rejectedUpgrade(Request r, RouteId route, int status, String why) {
        if (enabled) {
            LOG.infof("ws client=%s host=%s uri=%s route=%s status=%d reason=\"%s\"", r.client(), r.host(), r.uri(),
                    ProxyMetrics.label(route), status, why);
        }
    }

    /** @param cause why the proxy closed the session; null when the client or the upstream did */
    void session(Request r, RouteId route, Endpoint endpoint, long nanos, FrameTracker in, FrameTracker out, CloseInitiator closedBy,
            int code, CloseCause cause) {
        if (enabled) {
            LOG.infof("ws client=%s host=%s uri=%s route=%s endpoint=%s status=101 duration_ms=%.1f bytes_in=%d bytes_out=%d "
                    + "msgs_in=%d msgs_out=%d closed_by=%s close_code=%d close_reason=%s",
                    r.client(), r.host(), r.uri(), ProxyMetrics.label(route), endpoint, nanos / 1e6, in.bytes(), out.bytes(),
                    in.messages(), out.messages(), closedBy.label(), code, cause == null ? "-" : cause.label());
        }
    }

    private static Object orDash(Endpoint e) {
        return e == null ? "-" : e;
    }
}

package dev.wsroute.proxy;

import org.jboss.logging.Logger;

/** One line per plain HTTP request and per WebSocket session (at close), on the category {@code wsroute.access}. */
final class AccessLog {
    private static final Logger LOG = Logger.getLogger("wsroute.access");

    private final boolean enabled;

    AccessLog(boolean enabled) {
        this.enabled = enabled && LOG.isInfoEnabled();
    }

    void http(String client, String method, String host, String uri, String route, Object endpoint, int status, long nanos) {
        if (enabled) {
            LOG.infof("http client=%s method=%s host=%s uri=%s route=%s endpoint=%s status=%d duration_ms=%.1f",
                    client, method, host, uri, route, endpoint, status, nanos / 1e6);
        }
    }

    void rejectedUpgrade(String client, String host, String uri, String route, int status, String why) {
        if (enabled) {
            LOG.infof("ws client=%s host=%s uri=%s route=%s status=%d reason=\"%s\"", client, host, uri, route, status, why);
        }
    }

    void session(String client, String host, String uri, String route, Object endpoint, long nanos, long bytesIn, long bytesOut,
            long msgsIn, long msgsOut, String closedBy, int code) {
        if (enabled) {
            LOG.infof("ws client=%s host=%s uri=%s route=%s endpoint=%s status=101 duration_ms=%.1f bytes_in=%d bytes_out=%d "
                    + "msgs_in=%d msgs_out=%d closed_by=%s close_code=%d",
                    client, host, uri, route, endpoint, nanos / 1e6, bytesIn, bytesOut, msgsIn, msgsOut, closedBy, code);
        }
    }
}

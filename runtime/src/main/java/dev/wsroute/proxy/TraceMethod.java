package dev.wsroute.proxy;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * TRACE is answered {@code 405 Method Not Allowed} by the proxy itself and never forwarded, as nginx does. A backend
 * that answers TRACE echoes the request it got, and that request carries the client's cookies and Authorization
 * (cross-site tracing: a script that can send TRACE reads what it could not read otherwise) and the forwarding fields
 * the proxy added (the backend's view of the network). Nothing a user needs goes through a reverse proxy with it.
 */
final class TraceMethod {
    static final HttpResponseStatus STATUS = HttpResponseStatus.METHOD_NOT_ALLOWED;
    /** RFC 9110 §15.5.6: a 405 lists what is allowed; everything else goes upstream (CONNECT is refused as a forward proxy's). */
    private static final String ALLOW = "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS";

    private TraceMethod() {
    }

    /**
     * Whether the method is TRACE, in any case: methods are case-sensitive (RFC 9110 §9.1), but a backend that reads
     * {@code trace} as TRACE would echo it all the same.
     */
    static boolean is(String method) {
        return method.length() == 5 && method.equalsIgnoreCase("TRACE"); // a check of the length first: no call for most methods
    }

    static FullHttpResponse answer() {
        FullHttpResponse r = HttpResponses.of(STATUS, "TRACE is not forwarded", false);
        r.headers().set(HttpHeaderNames.ALLOW, ALLOW);
        return r;
    }
}

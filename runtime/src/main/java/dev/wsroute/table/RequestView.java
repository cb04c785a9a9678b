package dev.wsroute.table;

import java.util.List;

/** What route matching may look at in a request; the data plane adapts its request object to this. */
public interface RequestView {
    /** Host without port, lower case; empty when the request had none. */
    String host();

    /** Path without the query string. */
    String path();

    /** First value of a header (name in lower case), or null. */
    String header(String lowerCaseName);

    /** First value of a query parameter, or null. */
    String queryParam(String name);

    /** Subprotocols offered in Sec-WebSocket-Protocol, in order. */
    List<String> subprotocols();
}

package dev.wsroute.operator.cluster;

import dev.wsroute.operator.crd.WebSocketRoute;

/** Told by {@link ClusterCache} after its store changed. Called on informer threads: return quickly. */
public interface ClusterListener {

    /** A route was added ({@code old} null), changed, or deleted ({@code now} null). */
    void routeChanged(WebSocketRoute old, WebSocketRoute now);

    /** A Service or one of its EndpointSlices changed. */
    void serviceChanged(String namespace, String name);

    void secretChanged(String namespace, String name);
}

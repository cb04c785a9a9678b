package dev.wsroute.table;

import java.util.List;

import dev.wsroute.model.Backend;
import dev.wsroute.model.RouteId;

/** Resolves a backend of a route to the addresses of its ready endpoints (static in standalone mode, from EndpointSlices in a cluster). */
@FunctionalInterface
public interface EndpointSource {

    /** Ready endpoints of the backend, as (host, port); an empty list when none is ready or the Service is unknown. */
    List<Backend.HostPort> resolve(RouteId route, Backend backend);

    /**
     * The backend's endpoints that are terminating but still serving (EndpointSlice {@code serving: true,
     * terminating: true}): its new connections go to them only while {@link #resolve} gives none, as kube-proxy
     * falls back per Service (KEP-1669). Sockets opened on them drain from the start, as to any pod that is leaving.
     * None by default (static endpoints never terminate).
     */
    default List<Backend.HostPort> terminating(RouteId route, Backend backend) {
        return List.of();
    }

    /** Standalone mode: a backend's static endpoints. */
    EndpointSource STATIC = (route, backend) -> backend.endpoints();
}

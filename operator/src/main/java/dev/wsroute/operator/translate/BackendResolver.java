package dev.wsroute.operator.translate;

import dev.wsroute.model.Backend.ServiceRef;

/** Resolves a route's Service reference (always in the route's own namespace) to endpoints. */
@FunctionalInterface
public interface BackendResolver {
    ResolvedBackend resolve(String namespace, ServiceRef ref);
}

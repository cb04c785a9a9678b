package dev.wsroute.proxy;

import java.util.List;

import dev.wsroute.table.Endpoint;
import dev.wsroute.table.PoolId;

/**
 * Which endpoints of a pool may take new connections now: a filter the dialer applies before the balancer picks
 * (health checking as a decorator over the pool, as Armeria does it). Called on event loops for every pick: it
 * must not block and should not allocate when every endpoint is usable.
 */
@FunctionalInterface
public interface EndpointHealth {

    /**
     * The usable subset of {@code endpoints}, in their order; return the list itself when all are usable. An
     * empty result means "none is healthy": the implementation decides whether to fail open.
     */
    List<Endpoint> usable(PoolId pool, List<Endpoint> endpoints);

    /** Every endpoint is usable. */
    EndpointHealth ALL = (pool, endpoints) -> endpoints;
}

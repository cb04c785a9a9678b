package dev.wsroute.proxy;

import dev.wsroute.table.Endpoint;
import dev.wsroute.table.PoolId;

/**
 * Told what happened to connections the dialer made: what passive health checks count. Called on event loops:
 * implementations must not block.
 */
public interface DialListener {

    /** The connection to an endpoint was refused, timed out or failed before it was established. */
    default void connectFailed(PoolId pool, Endpoint endpoint, Throwable cause) {
    }

    /** An upstream answered an upgrade with this status (101, or what it refused with; 5xx counts as a failure). */
    default void upgradeAnswered(PoolId pool, Endpoint endpoint, int status) {
    }

    /** A tunnel ended: who closed it, the close code, and how long after its 101 (1006/1011 soon after: a failure). */
    default void tunnelClosed(PoolId pool, Endpoint endpoint, CloseInitiator by, int code, long ageNanos) {
    }

    DialListener NONE = new DialListener() {
    };
}

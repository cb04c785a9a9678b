package dev.wsroute.lifecycle;

import java.util.List;

import dev.wsroute.proxy.CloseInitiator;
import dev.wsroute.proxy.DialListener;
import dev.wsroute.proxy.EndpointHealth;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.PoolId;
import dev.wsroute.table.RuleKey;

/**
 * Health checks plugged into the data plane's dialer: picks skip endpoints that are unhealthy or ejected (all of
 * them when none is healthy: fail open), and what the dialer sees of real traffic feeds passive health. Only
 * rules with health checks are affected; client-side closes and normal closes never count as failures.
 */
public final class LifecycleHooks implements EndpointHealth, DialListener {
    private final HealthRegistry registry;
    private final BriefSessions briefSessions;

    /** @param briefSessions told of every tunnel's end, for rebalance */
    public LifecycleHooks(HealthRegistry registry, BriefSessions briefSessions) {
        this.registry = registry;
        this.briefSessions = briefSessions;
    }

    @Override
    public List<Endpoint> usable(PoolId pool, List<Endpoint> endpoints) {
        PoolHealth health = pool instanceof RuleKey rule ? registry.pool(rule) : null;
        return health == null ? endpoints : health.candidates(endpoints, Endpoint::key);
    }

    @Override
    public void connectFailed(PoolId pool, Endpoint endpoint, Throwable cause) {
        PoolHealth health = health(pool);
        if (health != null) {
            health.connectFailed(endpoint.key());
        }
    }

    @Override
    public void upgradeAnswered(PoolId pool, Endpoint endpoint, int status) {
        PoolHealth health = health(pool);
        if (health != null) {
            health.answered(endpoint.key(), status);
        }
    }

    @Override
    public void tunnelClosed(PoolId pool, Endpoint endpoint, CloseInitiator by, int code, long ageNanos) {
        briefSessions.ended(pool, endpoint.key(), by == CloseInitiator.UPSTREAM, ageNanos);
        PoolHealth health = health(pool);
        if (health != null) {
            health.tunnelEnded(endpoint.key(), by == CloseInitiator.UPSTREAM, code, ageNanos);
        }
    }

    private PoolHealth health(PoolId pool) {
        return pool instanceof RuleKey rule ? registry.pool(rule) : null;
    }
}

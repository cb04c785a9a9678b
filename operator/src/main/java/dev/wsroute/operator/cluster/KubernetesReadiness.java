package dev.wsroute.operator.cluster;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.wsroute.operator.config.WsRouteAppConfig;
import dev.wsroute.operator.config.WsRouteAppConfig.Mode;

/**
 * Ready once the caches synced (and, with a data plane, a first table is out). Losing the API server does not
 * make the replica unready, the last table keeps routing, but the details say so.
 */
@Readiness
@ApplicationScoped
public class KubernetesReadiness implements HealthCheck {
    @Inject
    WsRouteAppConfig config;
    @Inject
    ClusterState state;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder r = HealthCheckResponse.named("wsroute-kubernetes").withData("mode", config.mode().name());
        if (config.mode() == Mode.standalone) {
            return r.up().build();
        }
        ClusterCache cache = state.cache();
        if (cache == null) {
            return r.down().withData("apiServer", "not synced yet").build();
        }
        boolean watching = cache.watching();
        r.withData("apiServer", watching ? "watching" : "disconnected: serving the last route table");
        r.withData("routes", cache.routes().size());
        StatusLease lease = state.lease();
        if (lease != null) {
            r.withData("statusWriter", lease.holding() ? "this replica" : lease.holder().orElse("none"));
        }
        ClusterSync sync = state.sync();
        if (sync != null && config.mode() != Mode.operator) {
            r.withData("tableVersion", sync.version());
            return sync.version() > 0 ? r.up().build() : r.down().build();
        }
        return r.up().build();
    }
}

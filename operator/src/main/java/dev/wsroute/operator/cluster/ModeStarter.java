package dev.wsroute.operator.cluster;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.config.WsRouteConfig.Mode;
import dev.wsroute.operator.translate.ServiceResolver;
import dev.wsroute.table.RouteTableHolder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Starts what the mode needs. Standalone touches nothing Kubernetes (it must boot with no cluster); ingress and
 * sidecar publish route tables; ingress and operator run the status reconciler (leader-elected).
 */
@ApplicationScoped
public class ModeStarter {
    private static final Logger LOG = Logger.getLogger(ModeStarter.class);

    @Inject
    WsRouteConfig config;
    @Inject
    KubernetesConfig kubernetes;
    @Inject
    ClusterState state;
    @Inject
    Instance<KubernetesClient> client;
    @Inject
    Instance<Operator> operator;
    @Inject
    Instance<RouteTableHolder> holder;
    @Inject
    Instance<TlsResolverFactory> tls;

    private ClusterCache cache;
    private TableSync sync;
    private boolean operatorStarted;

    void onStart(@Observes StartupEvent ev) {
        Mode mode = config.mode();
        if (mode == Mode.standalone) {
            return;
        }
        KubernetesClient k8s = client.get();
        LOG.infof("mode %s: connecting to %s", mode, k8s.getMasterUrl());
        if (mode == Mode.sidecar) {
            cache = new ClusterCache(k8s, kubernetes.namespace().or(() -> java.util.Optional.ofNullable(k8s.getNamespace())));
            sync = tableSync(new SidecarPlanner(cache, state.validation()), true);
            cache.listener(sync).start(ClusterCache.Scope.ROUTES_ONLY);
        } else {
            cache = new ClusterCache(k8s, kubernetes.namespace());
            cache.listener(state.triggers());
            if (mode == Mode.ingress) {
                ClusterCache view = cache;
                sync = tableSync(r -> {
                    var t = state.translator().translate(view, r);
                    return new TablePlan(t.routes(), t.endpoints());
                }, false);
                cache.listener(sync);
            }
            cache.start(ClusterCache.Scope.FULL);
        }
        state.started(cache, sync);
        if (sync != null) {
            sync.rebuildNow();
        }
        if (mode == Mode.ingress || mode == Mode.operator) {
            operator.get().start();
            operatorStarted = true;
        }
    }

    private TableSync tableSync(java.util.function.Function<CachingResolver, TablePlan> planner, boolean sidecar) {
        TlsResolverFactory factory = tls.isResolvable() ? tls.get() : TlsResolverFactory.NONE;
        ClusterCache secrets = cache;
        return new TableSync(planner, new CachingResolver(new ServiceResolver(cache)), holder.get(),
                () -> factory.create(secrets), kubernetes.holdOff(), sidecar);
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (operatorStarted) { // started by us, so the operator SDK's own listener leaves it running
            operator.get().stop();
        }
        if (sync != null) {
            sync.close();
        }
        if (cache != null) {
            cache.close();
        }
    }
}

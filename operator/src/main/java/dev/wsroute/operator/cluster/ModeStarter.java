package dev.wsroute.operator.cluster;

import java.time.Duration;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.wsroute.operator.config.WsRouteAppConfig;
import dev.wsroute.operator.config.WsRouteAppConfig.Mode;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;
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
    WsRouteAppConfig config;
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
        LOG.infof("wsroute starting in %s mode", mode);
        if (mode == Mode.standalone) {
            return;
        }
        KubernetesClient k8s = client.get();
        LOG.infof("mode %s: connecting to %s", mode, k8s.getMasterUrl());
        Duration holdOff = config.kubernetes().holdOff();
        TlsResolver tlsResolver = null;
        if (mode == Mode.sidecar) {
            cache = new ClusterCache(k8s, config.kubernetes().namespace().or(() -> Optional.ofNullable(k8s.getNamespace())))
                    .listener(state.validation());
            TlsResolver forTables = tlsResolver(cache); // the pod's own Secrets: the sidecar terminates wss:// too
            sync = TableSyncs.sidecar(cache, state.validation(), holder.get(), () -> forTables, holdOff);
            cache.listener(sync).start(ClusterCache.Scope.ROUTES_AND_SECRETS);
        } else {
            cache = new ClusterCache(k8s, config.kubernetes().namespace()).listener(state.validation());
            cache.listener(state.triggers());
            tlsResolver = tlsResolver(cache);
            if (mode == Mode.ingress) {
                TlsResolver forTables = tlsResolver;
                sync = TableSyncs.ingress(cache, new Translator(state.validation()), holder.get(), () -> forTables, holdOff);
                cache.listener(sync);
            }
            cache.start(ClusterCache.Scope.FULL);
        }
        state.started(cache, sync, tlsResolver == null ? TlsResolver.NONE : tlsResolver);
        if (sync != null) {
            sync.rebuildNow();
        }
        if (mode == Mode.operator) {
            // no data plane, but the runtime's readiness waits for a first table: the control plane has synced
            holder.get().publish(RouteTable.empty());
        }
        if (mode == Mode.ingress || mode == Mode.operator) {
            operator.get().start();
            operatorStarted = true;
        }
    }

    /** One resolver for the process: it reads the Secrets at each build and keeps contexts of unchanged ones. */
    private TlsResolver tlsResolver(ClusterCache secrets) {
        return (tls.isResolvable() ? tls.get() : TlsResolverFactory.NONE).create(secrets);
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

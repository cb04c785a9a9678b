package dev.wsroute.operator.cluster;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.wsroute.lifecycle.HealthRegistry;
import dev.wsroute.operator.config.KubernetesSettingsCheck;
import dev.wsroute.operator.config.WsRouteAppConfig;
import dev.wsroute.operator.config.WsRouteAppConfig.Mode;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.runtime.WsRouteRuntime;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Starts what the mode needs. Standalone touches nothing Kubernetes (it must boot with no cluster); ingress and
 * sidecar publish route tables; ingress and operator write status, from the same translation pass as the table,
 * on the replica holding the Lease. A first list the API server does not answer (away, or RBAC not granting it yet)
 * fails no start: the replica runs, not ready, and tries again ({@link FirstList}). Stopping is plain teardown: nothing
 * here ends the process.
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
    Instance<RouteTableHolder> holder;
    @Inject
    Instance<TlsResolverFactory> tls;
    @Inject
    WsRouteRuntime runtime;
    /** This replica's name in the Lease: the pod's name, which deploy/ passes with the downward API. */
    @ConfigProperty(name = "POD_NAME")
    Optional<String> podName;

    private volatile ClusterCache cache;
    private volatile ClusterSync sync;
    private volatile ControlPlane control;
    private FirstList firstTries; // null where the first list was done on the startup thread
    private ExecutorService firstList; // where it is tried again
    private boolean stopping; // guarded by this

    void onStart(@Observes StartupEvent ev) {
        Mode mode = config.mode();
        KubernetesSettingsCheck.check(config.kubernetes()).ifPresent(invalid -> {
            throw invalid; // one line naming the properties, not a status writer that never writes
        });
        LOG.infof("wsroute starting in %s mode", mode);
        if (mode == Mode.standalone) {
            return;
        }
        KubernetesClient k8s = client.get();
        LOG.infof("mode %s: connecting to %s", mode, k8s.getMasterUrl());
        Duration holdOff = config.kubernetes().holdOff();
        if (mode == Mode.sidecar) {
            // not on the startup thread: a sidecar that cannot list yet must not take its pod's app down with it
            Optional<String> namespace = config.kubernetes().namespace()
                    .or(() -> Optional.ofNullable(k8s.getNamespace()));
            FirstList first = new FirstList("sidecar", "plain HTTP still goes to the app container", "routing", k8s,
                    ClusterCache.Scope.ROUTES_AND_SECRETS, namespace.orElse(null),
                    () -> startSidecarCache(k8s, namespace, holdOff));
            keepTrying(first, "wsroute-sidecar-start");
            return;
        }
        // asked once on the startup thread (a reachable API server: started as the application starts), then, if
        // that failed, on a thread of its own: a replica that cannot list yet runs, not ready, instead of exiting
        FirstList first = new FirstList(mode.name(), mode == Mode.ingress ? "no routes yet" : "no status written yet",
                mode == Mode.ingress ? "routing" : "writing status", k8s, ClusterCache.Scope.FULL,
                config.kubernetes().namespace().orElse(null), () -> startControlPlane(k8s, mode, holdOff));
        if (!first.tryNow()) {
            keepTrying(first, "wsroute-" + mode + "-start");
        }
    }

    /** Tries on a thread of its own until listed (or stopping). */
    private void keepTrying(FirstList first, String threadName) {
        firstTries = first;
        firstList = Daemons.single(threadName);
        firstList.execute(first::untilListed);
        firstList.shutdown(); // its thread ends with that task (stopping ends it early)
    }

    /**
     * Starts the control plane (informers, translation, status writer, Lease) and, in operator mode, publishes the
     * empty table the runtime's readiness waits for: null once done (or stopping), else why not.
     */
    private String startControlPlane(KubernetesClient k8s, Mode mode, Duration holdOff) {
        ClusterCache watched = new ClusterCache(k8s, config.kubernetes().namespace()).listener(state.validation());
        TlsResolver tlsResolver = tlsResolver(watched);
        ControlPlane.Election election = !config.kubernetes().leaderElection() ? null
                : new ControlPlane.Election(config.kubernetes().leaseNamespace().orElseGet(k8s::getNamespace),
                        config.kubernetes().leaseName(), StatusLease.identity(podName),
                        StatusLease.Timing.of(config.kubernetes()));
        // status shows endpoint health where this process checks it: its own data plane (ingress mode)
        HealthRegistry health = mode == Mode.ingress && runtime.dataPlane() != null ? runtime.dataPlane().health() : null;
        WsRouteAppConfig.Kubernetes kubernetes = config.kubernetes();
        StatusPace pace = new StatusPace(kubernetes.statusInterval(), kubernetes.statusWritesPerSecond(),
                kubernetes.statusWriteBurst());
        ControlPlane started;
        try {
            started = ControlPlane.start(k8s, watched, new Translator(state.validation(), tlsResolver),
                    mode == Mode.ingress ? holder.get() : null, health, () -> tlsResolver, election, holdOff, pace);
        } catch (RuntimeException e) {
            return FirstList.rootMessage(e);
        }
        synchronized (this) {
            if (stopping) {
                started.close();
                return null;
            }
            control = started;
        }
        state.started(started.cache, started.sync, started.lease);
        if (mode == Mode.operator) {
            // no data plane, but the runtime's readiness waits for a first table: the control plane has synced
            holder.get().publish(RouteTable.empty());
        }
        return null;
    }

    /** Starts the informers and publishes the first table: null once done (or stopping), else why not. */
    private String startSidecarCache(KubernetesClient k8s, Optional<String> namespace, Duration holdOff) {
        ClusterCache c = new ClusterCache(k8s, namespace).listener(state.validation());
        TlsResolver forTables = tlsResolver(c); // the pod's own Secrets: the sidecar terminates wss:// too
        ClusterSync s = ClusterSyncs.sidecar(c, state.validation(), holder.get(), () -> forTables, holdOff);
        try {
            c.listener(s).onRelist(s::everythingChanged).start(ClusterCache.Scope.ROUTES_AND_SECRETS);
        } catch (RuntimeException e) {
            s.close();
            c.close();
            return FirstList.rootMessage(e);
        }
        synchronized (this) {
            if (stopping) {
                s.close();
                c.close();
                return null;
            }
            cache = c;
            sync = s;
        }
        state.started(c, s, null);
        s.rebuildNow();
        return null;
    }

    /** One resolver for the process: it reads the Secrets at each build and keeps contexts of unchanged ones. */
    private TlsResolver tlsResolver(ClusterCache secrets) {
        return (tls.isResolvable() ? tls.get() : TlsResolverFactory.NONE).create(secrets);
    }

    void onStop(@Observes ShutdownEvent ev) {
        synchronized (this) {
            stopping = true;
        }
        if (firstList != null) {
            firstTries.stop();
            firstList.shutdownNow(); // ends a pause at once; a start under way closes what it started
        }
        if (control != null) {
            control.close(); // the Lease is released, so another replica writes status without waiting it out
        }
        if (sync != null) {
            sync.close();
        }
        if (cache != null) {
            cache.close();
        }
    }
}

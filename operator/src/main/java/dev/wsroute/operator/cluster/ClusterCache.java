package dev.wsroute.operator.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

import org.jboss.logging.Logger;

import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.ClusterView;
import dev.wsroute.operator.translate.Resources;
import dev.wsroute.tls.SecretSource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * Shared informers over what routes need, as a {@link ClusterView}. One set per process: the cluster sync and the
 * status writer both read it. When the API server goes away the stores keep their last content, so the last table
 * stays in force. When it is back, every store is listed again (an informer only resumes its watch, and a watch
 * resumed from an old version may never tell of what was deleted meanwhile): a fresh informer starts from the old
 * store's content, so what changed during the outage, deletions included, arrives as ordinary events. Losing and
 * regaining the API server is logged once each.
 */
public final class ClusterCache implements ClusterView, SecretSource, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ClusterCache.class);
    private static final String BY_SERVICE = "service";
    private static final long CONNECTIVITY_CHECK_MILLIS = 500;

    /**
     * What to watch: everything (ingress, operator); routes, whose status carries the pools, and the Secrets
     * their TLS names (sidecar); or routes alone.
     */
    public enum Scope { FULL, ROUTES_AND_SECRETS, ROUTES_ONLY }

    private final List<ClusterListener> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> relistListeners = new CopyOnWriteArrayList<>();
    private final List<Watched<?>> watched = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService connectivity = Daemons.single("wsroute-apiserver-check");
    private final KubernetesClient client;
    private final String namespace; // null: all namespaces
    private volatile boolean connected = true;
    private Watched<WebSocketRoute> routes;
    private Watched<Service> services;
    private Watched<EndpointSlice> slices;
    private Watched<Secret> secrets;

    public ClusterCache(KubernetesClient client, Optional<String> namespace) {
        this.client = client;
        this.namespace = namespace.orElse(null);
    }

    /** Listeners are added before {@link #start}, so none misses the initial adds. */
    public ClusterCache listener(ClusterListener l) {
        listeners.add(l);
        return this;
    }

    /** Told after the API server came back and every store was listed again. */
    public ClusterCache onRelist(Runnable r) {
        relistListeners.add(r);
        return this;
    }

    /** Starts the informers and returns when every store has synced. */
    public ClusterCache start(Scope scope) {
        routes = watch(client.resources(WebSocketRoute.class), (o, n) -> listeners.forEach(l -> l.routeChanged(o, n)),
                Map.of());
        if (scope == Scope.FULL) {
            services = watch(client.services(), (o, n) -> service(o, n, s -> s.getMetadata().getName()), Map.of());
            slices = watch(client.discovery().v1().endpointSlices(), (o, n) -> service(o, n, ClusterCache::serviceOf),
                    Map.of(BY_SERVICE, s -> {
                        String svc = serviceOf(s);
                        return svc == null ? List.of() : List.of(s.getMetadata().getNamespace() + "/" + svc);
                    }));
        }
        if (scope != Scope.ROUTES_ONLY) {
            secrets = watch(client.secrets(), (o, n) -> {
                HasMetadata any = n != null ? n : o;
                listeners.forEach(l -> l.secretChanged(any.getMetadata().getNamespace(), any.getMetadata().getName()));
            }, Map.of());
        }
        watched.forEach(Watched::start);
        LOG.infof("watching %s in %s", scope == Scope.FULL ? "routes, Services, EndpointSlices and Secrets"
                : scope == Scope.ROUTES_AND_SECRETS ? "routes and Secrets" : "routes",
                namespace == null ? "all namespaces" : "namespace " + namespace);
        connectivity.scheduleWithFixedDelay(this::checkConnectivity, CONNECTIVITY_CHECK_MILLIS,
                CONNECTIVITY_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Logs each loss and return of the API server once, and lists everything again on its return. */
    private void checkConnectivity() {
        boolean now = watching();
        if (now == connected) {
            return;
        }
        if (!now) {
            connected = false;
            LOG.warnf("lost the API server %s: the last route table stays in force until it is back",
                    client.getMasterUrl());
            return;
        }
        try {
            watched.forEach(Watched::relist);
        } catch (RuntimeException e) {
            LOG.debugf("listing again failed (will retry): %s", e.getMessage());
            return; // still counted as away: the next check tries again
        }
        connected = true;
        LOG.infof("API server %s is back: listed every object again (%d routes)", client.getMasterUrl(),
                routes().size());
        relistListeners.forEach(Runnable::run);
    }

    private <T extends HasMetadata> void service(T old, T now, Function<T, String> name) {
        T any = now != null ? now : old;
        String svc = name.apply(any);
        if (svc != null) {
            listeners.forEach(l -> l.serviceChanged(any.getMetadata().getNamespace(), svc));
        }
        // a slice moved to another Service (label edit): the old one changed too
        if (old != null && now != null && name.apply(old) != null && !name.apply(old).equals(svc)) {
            listeners.forEach(l -> l.serviceChanged(old.getMetadata().getNamespace(), name.apply(old)));
        }
    }

    private <T extends HasMetadata> Watched<T> watch(MixedOperation<T, ?, ?> op, BiConsumer<T, T> onChange,
            Map<String, Function<T, List<String>>> indexers) {
        Watched<T> w = new Watched<>(op, onChange, indexers);
        watched.add(w);
        return w;
    }

    /** One kind of object: its informer (replaced by a fresh one at each relist) and what to do on a change. */
    private final class Watched<T extends HasMetadata> {
        private final MixedOperation<T, ?, ?> op;
        private final BiConsumer<T, T> onChange;
        private final Map<String, Function<T, List<String>>> indexers;
        private volatile SharedIndexInformer<T> informer;

        Watched(MixedOperation<T, ?, ?> op, BiConsumer<T, T> onChange, Map<String, Function<T, List<String>>> indexers) {
            this.op = op;
            this.onChange = onChange;
            this.indexers = indexers;
            this.informer = create(null); // in place before any starts: a pass run by a first add can read every kind
        }

        void start() {
            join(informer);
        }

        /** A fresh informer that starts from what the current one holds: its list yields the differences. */
        void relist() {
            SharedIndexInformer<T> old = informer;
            SharedIndexInformer<T> fresh = create(old);
            join(fresh);
            informer = fresh;
            old.close();
        }

        private SharedIndexInformer<T> create(SharedIndexInformer<T> from) {
            SharedIndexInformer<T> i = (namespace == null ? op.inAnyNamespace() : op.inNamespace(namespace))
                    .runnableInformer(0);
            if (!indexers.isEmpty()) {
                i.addIndexers(indexers);
            }
            if (from != null) {
                i.initialState(from.getStore().list().stream());
            }
            i.addEventHandler(new ResourceEventHandler<T>() {
                @Override
                public void onAdd(T obj) {
                    onChange.accept(null, obj);
                }

                @Override
                public void onUpdate(T oldObj, T newObj) {
                    onChange.accept(oldObj, newObj);
                }

                @Override
                public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                    onChange.accept(obj, null);
                }
            });
            return i;
        }

        private void join(SharedIndexInformer<T> i) {
            try {
                i.start().toCompletableFuture().join();
            } catch (RuntimeException e) {
                i.close();
                throw e;
            }
        }

        boolean watching() {
            return informer.isWatching();
        }

        List<T> list() {
            return informer.getStore().list();
        }

        T get(String ns, String name) {
            return informer.getStore().getByKey(ns + "/" + name);
        }

        List<T> byIndex(String index, String key) {
            return informer.getIndexer().byIndex(index, key);
        }

        void close() {
            informer.close();
        }
    }

    private static String serviceOf(EndpointSlice s) {
        Map<String, String> labels = s.getMetadata().getLabels();
        return labels == null ? null : labels.get(Resources.SERVICE_NAME_LABEL);
    }

    /**
     * Whether the stores are current: the API server was reachable at the last check, and listed again after an
     * outage. Status is written only from a current view.
     */
    public boolean current() {
        return connected && watching();
    }

    /** Whether every watch is open: false while the API server is unreachable (the stores keep serving). */
    public boolean watching() {
        return !watched.isEmpty() && watched.stream().allMatch(Watched::watching);
    }

    @Override
    public List<WebSocketRoute> routes() {
        return routes == null ? List.of() : routes.list();
    }

    @Override
    public Optional<Service> service(String ns, String name) {
        return services == null ? Optional.empty() : Optional.ofNullable(services.get(ns, name));
    }

    @Override
    public List<EndpointSlice> slices(String ns, String service) {
        return slices == null ? List.of() : slices.byIndex(BY_SERVICE, ns + "/" + service);
    }

    @Override
    public Optional<Secret> secret(String ns, String name) {
        return secrets == null ? Optional.empty() : Optional.ofNullable(secrets.get(ns, name));
    }

    @Override
    public Optional<Map<String, byte[]>> lookup(String ns, String name) {
        return secret(ns, name).map(s -> {
            Map<String, byte[]> out = new TreeMap<>();
            if (s.getData() != null) {
                s.getData().forEach((k, v) -> out.put(k, Base64.getDecoder().decode(v)));
            }
            if (s.getStringData() != null) {
                s.getStringData().forEach((k, v) -> out.put(k, v.getBytes(StandardCharsets.UTF_8)));
            }
            return out;
        });
    }

    @Override
    public void close() {
        connectivity.shutdownNow();
        watched.forEach(Watched::close);
    }
}

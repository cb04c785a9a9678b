package dev.wsroute.operator.cluster;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * Shared informers over what routes need, as a {@link ClusterView}. One set per process: the table sync and the
 * status reconciler both read it. When the API server goes away the stores keep their last content (and the
 * informers reconnect on their own), so the last table stays in force.
 */
public final class ClusterCache implements ClusterView, SecretSource, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ClusterCache.class);
    private static final String BY_SERVICE = "service";

    /**
     * What to watch: everything (ingress, operator); routes, whose status carries the pools, and the Secrets
     * their TLS names (sidecar); or routes alone.
     */
    public enum Scope { FULL, ROUTES_AND_SECRETS, ROUTES_ONLY }

    private final List<ClusterListener> listeners = new CopyOnWriteArrayList<>();
    private final List<SharedIndexInformer<?>> informers = new CopyOnWriteArrayList<>();
    private final KubernetesClient client;
    private final String namespace; // null: all namespaces
    private SharedIndexInformer<WebSocketRoute> routes;
    private SharedIndexInformer<Service> services;
    private SharedIndexInformer<EndpointSlice> slices;
    private SharedIndexInformer<Secret> secrets;

    public ClusterCache(KubernetesClient client, Optional<String> namespace) {
        this.client = client;
        this.namespace = namespace.orElse(null);
    }

    /** Listeners are added before {@link #start}, so none misses the initial adds. */
    public ClusterCache listener(ClusterListener l) {
        listeners.add(l);
        return this;
    }

    /** Starts the informers and returns when every store has synced. */
    public ClusterCache start(Scope scope) {
        routes = inform(client.resources(WebSocketRoute.class), (o, n) -> listeners.forEach(l -> l.routeChanged(o, n)), null);
        if (scope == Scope.FULL) {
            services = inform(client.services(), (o, n) -> service(o, n, s -> s.getMetadata().getName()), null);
            slices = inform(client.discovery().v1().endpointSlices(), (o, n) -> service(o, n, ClusterCache::serviceOf),
                    Map.of(BY_SERVICE, s -> {
                        String svc = serviceOf(s);
                        return svc == null ? List.of() : List.of(s.getMetadata().getNamespace() + "/" + svc);
                    }));
        }
        if (scope != Scope.ROUTES_ONLY) {
            secrets = inform(client.secrets(), (o, n) -> {
                HasMetadata any = n != null ? n : o;
                listeners.forEach(l -> l.secretChanged(any.getMetadata().getNamespace(), any.getMetadata().getName()));
            }, null);
        }
        for (SharedIndexInformer<?> i : informers) {
            i.start().toCompletableFuture().join();
        }
        LOG.infof("watching %s in %s", scope == Scope.FULL ? "routes, Services, EndpointSlices and Secrets"
                : scope == Scope.ROUTES_AND_SECRETS ? "routes and Secrets" : "routes",
                namespace == null ? "all namespaces" : "namespace " + namespace);
        return this;
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

    private <T extends HasMetadata> SharedIndexInformer<T> inform(MixedOperation<T, ?, ?> op,
            BiConsumer<T, T> onChange, Map<String, Function<T, List<String>>> indexers) {
        SharedIndexInformer<T> informer = (namespace == null ? op.inAnyNamespace() : op.inNamespace(namespace))
                .runnableInformer(0);
        if (indexers != null) {
            informer.addIndexers(indexers);
        }
        informer.addEventHandler(new ResourceEventHandler<T>() {
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
        informers.add(informer);
        return informer;
    }

    private static String serviceOf(EndpointSlice s) {
        Map<String, String> labels = s.getMetadata().getLabels();
        return labels == null ? null : labels.get(Resources.SERVICE_NAME_LABEL);
    }

    /** Whether every watch is open: false while the API server is unreachable (the stores keep serving). */
    public boolean watching() {
        return !informers.isEmpty() && informers.stream().allMatch(SharedIndexInformer::isWatching);
    }

    @Override
    public List<WebSocketRoute> routes() {
        return routes == null ? List.of() : routes.getStore().list();
    }

    @Override
    public Optional<Service> service(String ns, String name) {
        return services == null ? Optional.empty() : Optional.ofNullable(services.getStore().getByKey(ns + "/" + name));
    }

    @Override
    public List<EndpointSlice> slices(String ns, String service) {
        return slices == null ? List.of() : slices.getIndexer().byIndex(BY_SERVICE, ns + "/" + service);
    }

    @Override
    public Optional<Secret> secret(String ns, String name) {
        return secrets == null ? Optional.empty() : Optional.ofNullable(secrets.getStore().getByKey(ns + "/" + name));
    }

    @Override
    public Optional<Map<String, byte[]>> lookup(String ns, String name) {
        return secret(ns, name).map(s -> {
            Map<String, byte[]> out = new TreeMap<>();
            if (s.getData() != null) {
                s.getData().forEach((k, v) -> out.put(k, Base64.getDecoder().decode(v)));
            }
            if (s.getStringData() != null) {
                s.getStringData().forEach((k, v) -> out.put(k, v.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            return out;
        });
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
    }
}

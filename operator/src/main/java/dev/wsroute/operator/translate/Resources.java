package dev.wsroute.operator.translate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.wsroute.operator.crd.WebSocketRoute;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

/** A fixed set of objects as a {@link ClusterView}: for tests, benchmarks and anything else off-cluster. */
public final class Resources implements ClusterView {
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private final List<WebSocketRoute> routes = new ArrayList<>();
    private final Map<String, Service> services = new HashMap<>();
    private final Map<String, List<EndpointSlice>> slices = new HashMap<>();
    private final Map<String, Secret> secrets = new HashMap<>();

    public static Resources of(List<? extends HasMetadata> objects) {
        Resources r = new Resources();
        for (HasMetadata o : objects) {
            String ns = o.getMetadata().getNamespace();
            if (o instanceof WebSocketRoute w) {
                r.routes.add(w);
            } else if (o instanceof Service s) {
                r.services.put(key(ns, s.getMetadata().getName()), s);
            } else if (o instanceof EndpointSlice s) {
                String svc = s.getMetadata().getLabels() == null ? null : s.getMetadata().getLabels().get(SERVICE_NAME_LABEL);
                if (svc != null) {
                    r.slices.computeIfAbsent(key(ns, svc), k -> new ArrayList<>()).add(s);
                }
            } else if (o instanceof Secret s) {
                r.secrets.put(key(ns, s.getMetadata().getName()), s);
            }
        }
        return r;
    }

    @Override
    public List<WebSocketRoute> routes() {
        return List.copyOf(routes);
    }

    @Override
    public Optional<Service> service(String namespace, String name) {
        return Optional.ofNullable(services.get(key(namespace, name)));
    }

    @Override
    public List<EndpointSlice> slices(String namespace, String service) {
        return slices.getOrDefault(key(namespace, service), List.of());
    }

    @Override
    public Optional<Secret> secret(String namespace, String name) {
        return Optional.ofNullable(secrets.get(key(namespace, name)));
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}

package dev.wsroute.operator.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.ClusterView;
import dev.wsroute.operator.translate.Resources;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

/** A cluster view whose objects a test (or benchmark) replaces, as an informer store would change. */
public final class MutableView implements ClusterView {
    private final List<HasMetadata> objects = new ArrayList<>();
    private volatile Resources current = Resources.of(List.of());

    public synchronized MutableView put(HasMetadata o) {
        objects.removeIf(x -> x.getKind().equals(o.getKind())
                && x.getMetadata().getNamespace().equals(o.getMetadata().getNamespace())
                && x.getMetadata().getName().equals(o.getMetadata().getName()));
        objects.add(o);
        current = Resources.of(objects);
        return this;
    }

    @Override
    public List<WebSocketRoute> routes() {
        return current.routes();
    }

    @Override
    public Optional<Service> service(String namespace, String name) {
        return current.service(namespace, name);
    }

    @Override
    public List<EndpointSlice> slices(String namespace, String service) {
        return current.slices(namespace, service);
    }

    @Override
    public Optional<Secret> secret(String namespace, String name) {
        return current.secret(namespace, name);
    }
}

package dev.wsroute.operator.translate;

import java.util.List;
import java.util.Optional;

import dev.wsroute.operator.crd.WebSocketRoute;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

/** The Kubernetes objects translation reads: informer caches when live, parsed YAML in golden tests. */
public interface ClusterView {

    /** Every WebSocketRoute this instance watches, in any order. */
    List<WebSocketRoute> routes();

    Optional<Service> service(String namespace, String name);

    /** The EndpointSlices of a Service (label {@code kubernetes.io/service-name}). */
    List<EndpointSlice> slices(String namespace, String service);

    Optional<Secret> secret(String namespace, String name);
}

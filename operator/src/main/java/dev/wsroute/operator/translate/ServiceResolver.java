package dev.wsroute.operator.translate;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import dev.wsroute.model.Backend.ServiceRef;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

/**
 * Resolves a Service reference the way kube-proxy does: the Service port by number or name, then the slice port
 * of the same name (each slice its own number: a named targetPort may differ between pods), then every endpoint of
 * the slices of the Service's address family, each once. Not-ready and terminating endpoints are listed but not ready; a
 * terminating one that still serves is marked so (the fallback while the backend has no ready endpoint).
 */
public final class ServiceResolver implements BackendResolver {
    public static final String SERVICE_NOT_FOUND = "ServiceNotFound";
    public static final String PORT_NOT_FOUND = "PortNotFound";
    /** An ExternalName Service: a DNS alias, no pods, no EndpointSlices. */
    public static final String UNSUPPORTED_SERVICE_TYPE = "UnsupportedServiceType";

    private final ClusterView view;

    public ServiceResolver(ClusterView view) {
        this.view = requireNonNull(view, "view");
    }

    @Override
    public ResolvedBackend resolve(String namespace, ServiceRef ref) {
        Optional<Service> service = view.service(namespace, ref.name());
        if (service.isEmpty()) {
            return ResolvedBackend.problem(ref.name(), SERVICE_NOT_FOUND,
                    "Service " + namespace + "/" + ref.name() + " not found");
        }
        if (service.get().getSpec() != null && "ExternalName".equals(service.get().getSpec().getType())) {
            return ResolvedBackend.problem(ref.name(), UNSUPPORTED_SERVICE_TYPE, "Service " + namespace + "/" + ref.name()
                    + " is of type ExternalName (" + service.get().getSpec().getExternalName()
                    + "): it has no endpoints; wsroute routes to the pods of a Service's EndpointSlices");
        }
        ServicePort port = servicePort(service.get(), ref, true);
        if (port == null) {
            ServicePort other = servicePort(service.get(), ref, false);
            return ResolvedBackend.problem(ref.name(), PORT_NOT_FOUND, "Service " + namespace + "/" + ref.name()
                    + (other == null ? " has no port " + ref.port()
                            : " has port " + ref.port() + " for " + other.getProtocol() + " only (a WebSocket needs TCP)"));
        }
        return ResolvedBackend.of(ref.name(), port.getPort(), endpoints(namespace, ref.name(), service.get(), port.getName()));
    }

    /** @param tcp only TCP ports, else only the others */
    private static ServicePort servicePort(Service service, ServiceRef ref, boolean tcp) {
        List<ServicePort> ports = service.getSpec() == null || service.getSpec().getPorts() == null ? List.of()
                : service.getSpec().getPorts();
        for (ServicePort p : ports) {
            if (tcp(p.getProtocol()) != tcp) {
                continue; // 443/UDP (HTTP/3) beside 443/TCP: a WebSocket is TCP
            }
            boolean byNumber = ref.port().number() != null && ref.port().number().equals(p.getPort());
            boolean byName = ref.port().name() != null && ref.port().name().equals(p.getName());
            if (byNumber || byName) {
                return p;
            }
        }
        return null;
    }

    private List<ResolvedEndpoint> endpoints(String namespace, String name, Service service, String portName) {
        List<EndpointSlice> slices = view.slices(namespace, name);
        String family = family(service, slices);
        Map<String, ResolvedEndpoint> byKey = new LinkedHashMap<>();
        for (EndpointSlice slice : slices) {
            // one family: a dual-stack Service lists each pod in an IPv4 and an IPv6 slice (FQDN slices: never)
            boolean taken = family == null ? !"FQDN".equals(slice.getAddressType()) : family.equals(slice.getAddressType());
            if (!taken || slice.getEndpoints() == null) {
                continue;
            }
            Integer target = slicePort(slice, portName);
            if (target == null) {
                continue;
            }
            for (Endpoint ep : slice.getEndpoints()) {
                if (ep.getAddresses() == null || ep.getAddresses().isEmpty()) {
                    continue;
                }
                EndpointConditions c = ep.getConditions();
                boolean ready = ready(c);
                boolean terminating = c != null && Boolean.TRUE.equals(c.getTerminating());
                boolean serving = serving(c);
                String pod = pod(ep.getTargetRef());
                // an endpoint's addresses are one pod's, "assumed to be fungible" (discovery/v1): the first, as kube-proxy
                String ip = ep.getAddresses().get(0);
                ResolvedEndpoint e = new ResolvedEndpoint(ip, target, ready, serving, terminating, pod, ep.getZone());
                // the same address in two slices (mid-migration, a mirror): ready wins, then serving
                byKey.merge(e.key(), e, ResolvedEndpoint::better);
            }
        }
        List<ResolvedEndpoint> out = new ArrayList<>(byKey.values());
        out.sort(null);
        return out;
    }

    /**
     * The address family the Service's pods are reached over: its primary one ({@code spec.ipFamilies[0]}), as
     * kube-proxy reaches a Service's cluster IP of that family; should no slice of it exist (slices written by a
     * controller other than Kubernetes'), the first of its families that has one. Null (every family) for a Service
     * that names none: an object written by hand, never one an API server returns.
     */
    private static String family(Service service, List<EndpointSlice> slices) {
        List<String> families = service.getSpec() == null ? null : service.getSpec().getIpFamilies();
        if (families == null || families.isEmpty()) {
            return null;
        }
        for (String f : families) {
            if (slices.stream().anyMatch(s -> f.equals(s.getAddressType()))) {
                return f;
            }
        }
        return families.get(0);
    }

    /** Slice ports carry the Service port's name ("" or absent for a single unnamed port). */
    private static Integer slicePort(EndpointSlice slice, String portName) {
        if (slice.getPorts() == null) {
            return null;
        }
        String wanted = portName == null ? "" : portName;
        for (EndpointPort p : slice.getPorts()) {
            if (Objects.equals(p.getName() == null ? "" : p.getName(), wanted) && p.getPort() != null
                    && tcp(p.getProtocol())) {
                return p.getPort();
            }
        }
        return null;
    }

    /** The protocol of a Service or slice port: TCP when absent (the API's default). */
    private static boolean tcp(String protocol) {
        return protocol == null || "TCP".equals(protocol);
    }

    /** A nil ready condition means ready (EndpointSlice API); terminating endpoints take no new connections. */
    private static boolean ready(EndpointConditions c) {
        if (c == null) {
            return true;
        }
        return !Boolean.FALSE.equals(c.getReady()) && !Boolean.TRUE.equals(c.getTerminating());
    }

    /** A nil serving condition takes ready's value (EndpointSlice API: it was added later, and kept in step). */
    private static boolean serving(EndpointConditions c) {
        if (c == null) {
            return true;
        }
        return c.getServing() != null ? c.getServing() : !Boolean.FALSE.equals(c.getReady());
    }

    private static String pod(ObjectReference ref) {
        return ref != null && "Pod".equals(ref.getKind()) ? ref.getName() : null;
    }
}

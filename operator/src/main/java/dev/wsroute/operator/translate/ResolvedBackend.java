package dev.wsroute.operator.translate;

import java.util.List;

import dev.wsroute.model.Backend.HostPort;

/**
 * A Service backend resolved against the cluster: the Service port it names and the endpoints behind it, or the
 * reason it could not be resolved ({@code problemReason} set, e.g. ServiceNotFound).
 */
public record ResolvedBackend(String service, Integer port, List<ResolvedEndpoint> endpoints, String problemReason,
        String problemMessage) {

    public ResolvedBackend {
        endpoints = List.copyOf(endpoints);
    }

    public static ResolvedBackend of(String service, int port, List<ResolvedEndpoint> endpoints) {
        return new ResolvedBackend(service, port, endpoints, null, null);
    }

    public static ResolvedBackend problem(String service, String reason, String message) {
        return new ResolvedBackend(service, null, List.of(), reason, message);
    }

    public boolean resolved() {
        return problemReason == null;
    }

    /** Addresses that take new connections (ready and not terminating). */
    public List<HostPort> readyAddresses() {
        return endpoints.stream().filter(ResolvedEndpoint::ready).map(e -> new HostPort(e.ip(), e.port())).toList();
    }

    /** Addresses that are terminating but still serving: where new connections go while none is ready (kube-proxy's fallback). */
    public List<HostPort> servingTerminatingAddresses() {
        return endpoints.stream().filter(ResolvedEndpoint::servingTerminating).map(e -> new HostPort(e.ip(), e.port()))
                .toList();
    }
}

package dev.wsroute.operator.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.wsroute.operator.translate.Resources;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The pods of one Service as EndpointSlices of 100 endpoints (Kubernetes' default {@code --max-endpoints-per-slice}),
 * with pod names and zones as a Deployment has them, changed pod by pod as a rolling deploy does: each change returns
 * the one slice it touched, to be written to the API server.
 */
final class PodSlices {
    static final int PER_SLICE = 100;
    private static final String[] ZONES = { "eu-west-1a", "eu-west-1b", "eu-west-1c" };

    private final String namespace;
    private final String service;
    private final String portName;
    private final int port;
    private final Endpoint[] slots;

    /** {@code pods} ready pods of the first generation. */
    PodSlices(String namespace, String service, String portName, int port, int pods) {
        this.namespace = namespace;
        this.service = service;
        this.portName = portName;
        this.port = port;
        this.slots = new Endpoint[pods];
        for (int i = 0; i < pods; i++) {
            slots[i] = endpoint(i, 1, true, false);
        }
    }

    int pods() {
        return slots.length;
    }

    /** Creates the Service (port 80, named as the slices' port) and every slice on the API server. */
    void createWithService(KubernetesClient client) {
        client.resource(Fixtures.service(namespace, service, 80, portName)).create();
        all().forEach(s -> client.resource(s).create());
    }

    /** Every slice, for the first write. */
    List<EndpointSlice> all() {
        List<EndpointSlice> out = new ArrayList<>();
        for (int s = 0; s * PER_SLICE < slots.length; s++) {
            out.add(slice(s));
        }
        return out;
    }

    /** The pod in slot i is deleted: not ready, terminating, still serving (its grace period). */
    EndpointSlice terminate(int i) {
        slots[i] = new EndpointBuilder(slots[i]).withNewConditions().withReady(false).withServing(true)
                .withTerminating(true).endConditions().build();
        return slice(i / PER_SLICE);
    }

    /** The pod in slot i is gone. */
    EndpointSlice remove(int i) {
        slots[i] = null;
        return slice(i / PER_SLICE);
    }

    /** Its replacement (generation 2) is scheduled: listed, not ready yet. */
    EndpointSlice addNew(int i) {
        slots[i] = endpoint(i, 2, false, false);
        return slice(i / PER_SLICE);
    }

    /** The replacement passes its readiness probe. */
    EndpointSlice ready(int i) {
        slots[i] = endpoint(i, 2, true, false);
        return slice(i / PER_SLICE);
    }

    /** "ip:port" of every ready endpoint, sorted. */
    List<String> readyKeys() {
        List<String> out = new ArrayList<>();
        for (Endpoint e : slots) {
            if (e != null && Boolean.TRUE.equals(e.getConditions().getReady())) {
                out.add(e.getAddresses().get(0) + ":" + port);
            }
        }
        out.sort(null);
        return out;
    }

    private EndpointSlice slice(int s) {
        List<Endpoint> eps = new ArrayList<>();
        for (int i = s * PER_SLICE; i < Math.min(slots.length, (s + 1) * PER_SLICE); i++) {
            if (slots[i] != null) {
                eps.add(slots[i]);
            }
        }
        return new EndpointSliceBuilder()
                .withMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(service + "-" + s)
                        .withLabels(Map.of(Resources.SERVICE_NAME_LABEL, service)).build())
                .withAddressType("IPv4")
                .addNewPort().withName(portName).withPort(port).withProtocol("TCP").endPort()
                .withEndpoints(eps).build();
    }

    private Endpoint endpoint(int i, int generation, boolean ready, boolean terminating) {
        String ip = "10." + (generation * 16 + i / 65_536) + "." + (i / 256 % 256) + "." + (i % 256);
        String pod = service + "-" + (generation == 1 ? "7d9f8c6b5" : "5c4b7f9d8") + "-" + suffix(i);
        return new EndpointBuilder().withAddresses(ip)
                .withNewConditions().withReady(ready).withServing(ready).withTerminating(terminating).endConditions()
                .withNewTargetRef().withKind("Pod").withNamespace(namespace).withName(pod).endTargetRef()
                .withNodeName("node-" + (i % 50)).withZone(ZONES[i % ZONES.length]).build();
    }

    /** Five characters, as a ReplicaSet's pod names end. */
    private static String suffix(int i) {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder b = new StringBuilder();
        long n = (i + 1) * 2_654_435_761L & 0xffff_ffffL; // scattered, as the real ones look
        for (int k = 0; k < 5; k++, n /= alphabet.length()) {
            b.append(alphabet.charAt((int) (n % alphabet.length())));
        }
        return b.toString();
    }
}

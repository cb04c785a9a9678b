package dev.wsroute.operator.translate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.wsroute.api.PortRef;
import dev.wsroute.model.Backend.ServiceRef;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * EndpointSlices as the EndpointSlice controller (and others) write them during deploys, scale-outs and outages,
 * resolved to a backend's endpoints.
 */
class ServiceResolverTest {
    private static final KubernetesSerialization K8S = new KubernetesSerialization();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static <T> T parse(String flowYaml, Class<T> type) {
        try {
            return K8S.unmarshal(YAML.readTree(flowYaml).toString(), type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(flowYaml, e);
        }
    }

    private static Service service(String yaml) {
        return parse("{apiVersion: v1, kind: Service, metadata: {name: chat, namespace: default}, " + yaml + "}",
                Service.class);
    }

    private static EndpointSlice slice(String name, String yaml) {
        return parse("{apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: {name: " + name
                + ", namespace: default, labels: {kubernetes.io/service-name: chat}}, " + yaml + "}", EndpointSlice.class);
    }

    private static ResolvedBackend resolve(String port, HasMetadata... objects) {
        return new ServiceResolver(Resources.of(List.of(objects))).resolve("default",
                new ServiceRef("chat", PortRef.parse(port)));
    }

    private static List<String> keys(ResolvedBackend b) {
        List<String> out = new ArrayList<>();
        b.endpoints().forEach(e -> out.add(e.key() + (e.ready() ? "" : e.servingTerminating() ? " terminating" : " not-ready")));
        return out;
    }

    @Test
    void aNamedTargetPortTakesEachSlicesOwnNumber() {
        // a rolling update that moves the container port: old pods' slice ws=8080, new pods' ws=9090
        ResolvedBackend b = resolve("80",
                service("spec: {ports: [{name: ws, port: 80, targetPort: ws}]}"),
                slice("chat-old", "addressType: IPv4, ports: [{name: ws, port: 8080, protocol: TCP}], endpoints: ["
                        + "{addresses: [10.0.0.1], conditions: {ready: true}}]"),
                slice("chat-new", "addressType: IPv4, ports: [{name: ws, port: 9090, protocol: TCP}], endpoints: ["
                        + "{addresses: [10.0.1.1], conditions: {ready: true}}]"));
        assertThat(keys(b)).containsExactly("10.0.0.1:8080", "10.0.1.1:9090");
        // a pod whose container has no port of that name (renamed in the new template): the controller lists it in a
        // slice without the Service port (slice ports carry the Service port's name); it takes nothing, as from kube-proxy
        EndpointSlice portless = slice("chat-renamed", "addressType: IPv4, ports: [], endpoints: ["
                + "{addresses: [10.0.2.1], conditions: {ready: true}}]");
        assertThat(keys(resolve("80", service("spec: {ports: [{name: ws, port: 80, targetPort: ws}]}"), portless))).isEmpty();
    }

    @Test
    void anUnnamedServicePortMatchesTheSlicesEmptyName() {
        ResolvedBackend b = resolve("80", service("spec: {ports: [{port: 80, targetPort: 8080}]}"),
                slice("a", "addressType: IPv4, ports: [{name: '', port: 8080}], endpoints: [{addresses: [10.0.0.1]}]"),
                slice("b", "addressType: IPv4, ports: [{port: 8080}], endpoints: [{addresses: [10.0.0.2]}]"));
        assertThat(keys(b)).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    }

    @Test
    void aMultiPortServiceByNumberOrByName() {
        Service svc = service("spec: {ports: [{name: http, port: 80, targetPort: 8080}, {name: ws, port: 81, targetPort: 9090}]}");
        EndpointSlice s = slice("a", "addressType: IPv4, ports: [{name: ws, port: 9090}, {name: http, port: 8080}], "
                + "endpoints: [{addresses: [10.0.0.1]}]");
        assertThat(keys(resolve("81", svc, s))).containsExactly("10.0.0.1:9090");
        assertThat(keys(resolve("ws", svc, s))).containsExactly("10.0.0.1:9090");
        assertThat(keys(resolve("80", svc, s))).containsExactly("10.0.0.1:8080");
        assertThat(keys(resolve("http", svc, s))).containsExactly("10.0.0.1:8080");
    }

    @Test
    void aPortNumberSharedByTcpAndUdpPicksTheTcpOne() {
        // HTTP/3 beside HTTP/1.1 on 443: the UDP port listed first
        Service svc = service("spec: {ports: [{name: quic, port: 443, protocol: UDP, targetPort: 8443}, "
                + "{name: https, port: 443, protocol: TCP, targetPort: 9443}]}");
        EndpointSlice s = slice("a", "addressType: IPv4, ports: [{name: quic, port: 8443, protocol: UDP}, "
                + "{name: https, port: 9443, protocol: TCP}], endpoints: [{addresses: [10.0.0.1]}]");
        assertThat(keys(resolve("443", svc, s))).containsExactly("10.0.0.1:9443");
        assertThat(keys(resolve("https", svc, s))).containsExactly("10.0.0.1:9443");
        ResolvedBackend byUdpName = resolve("quic", svc, s);
        assertThat(byUdpName.problemReason()).isEqualTo(ServiceResolver.PORT_NOT_FOUND);
        assertThat(byUdpName.problemMessage()).isEqualTo("Service default/chat has port quic for UDP only (a WebSocket needs TCP)");
    }

    @Test
    void anAddressInTwoSlicesCountsOnceReadyWinning() {
        Service svc = service("spec: {ports: [{name: ws, port: 80}]}");
        EndpointSlice a = slice("a", "addressType: IPv4, ports: [{name: ws, port: 8080}], endpoints: ["
                + "{addresses: [10.0.0.1], conditions: {ready: true}}, {addresses: [10.0.0.2], conditions: {ready: false}}]");
        EndpointSlice b = slice("b", "addressType: IPv4, ports: [{name: ws, port: 8080}], endpoints: ["
                + "{addresses: [10.0.0.1], conditions: {ready: false}}, {addresses: [10.0.0.2], conditions: {ready: true}}]");
        EndpointSlice mirror = slice("c", "addressType: IPv4, ports: [{name: ws, port: 8080}], endpoints: ["
                + "{addresses: [10.0.0.1], conditions: {ready: true}}]");
        mirror.getMetadata().getLabels().put("endpointslice.kubernetes.io/managed-by", "endpointslicemirroring-controller.k8s.io");
        assertThat(keys(resolve("80", svc, a, b, mirror))).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
        assertThat(keys(resolve("80", svc, b, a))).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    }

    @Test
    void conditionsAsTheControllerWritesThem() {
        Service svc = service("spec: {ports: [{name: ws, port: 80}]}");
        EndpointSlice s = slice("a", "addressType: IPv4, ports: [{name: ws, port: 8080}], endpoints: ["
                + "{addresses: [10.0.0.1]},"
                + "{addresses: [10.0.0.2], conditions: {}},"
                + "{addresses: [10.0.0.3], conditions: {ready: false, serving: true, terminating: true}},"
                + "{addresses: [10.0.0.4], conditions: {ready: false, serving: false, terminating: true}},"
                + "{addresses: [10.0.0.5], conditions: {ready: false, serving: false, terminating: false}},"
                + "{addresses: [10.0.0.6], conditions: {ready: false}}]");
        assertThat(keys(resolve("80", svc, s))).containsExactly("10.0.0.1:8080", "10.0.0.2:8080",
                "10.0.0.3:8080 terminating", "10.0.0.4:8080 not-ready", "10.0.0.5:8080 not-ready", "10.0.0.6:8080 not-ready");
    }

    @Test
    void aDualStackServiceIsReachedOverItsPrimaryFamilyOnly() {
        Service svc = service("spec: {ipFamilies: [IPv4, IPv6], ipFamilyPolicy: PreferDualStack, ports: [{name: ws, port: 80}]}");
        EndpointSlice v4 = slice("v4", "addressType: IPv4, ports: [{name: ws, port: 8080}], endpoints: ["
                + "{addresses: [10.0.0.1], targetRef: {kind: Pod, name: p1}}]");
        EndpointSlice v6 = slice("v6", "addressType: IPv6, ports: [{name: ws, port: 8080}], endpoints: ["
                + "{addresses: ['fd00::1'], targetRef: {kind: Pod, name: p1}}]");
        assertThat(keys(resolve("80", svc, v4, v6))).containsExactly("10.0.0.1:8080");
        Service v6first = service("spec: {ipFamilies: [IPv6, IPv4], ports: [{name: ws, port: 80}]}");
        assertThat(keys(resolve("80", v6first, v4, v6))).containsExactly("[fd00::1]:8080");
        Service noFamilies = service("spec: {ports: [{name: ws, port: 80}]}"); // written by hand: every family, as before
        assertThat(keys(resolve("80", noFamilies, v6, v4))).containsExactly("10.0.0.1:8080", "[fd00::1]:8080");
        assertThat(keys(resolve("80", svc, v6))).as("no slice of the primary family: the other one")
                .containsExactly("[fd00::1]:8080");
    }

    @Test
    void anFqdnSliceIsIgnored() {
        Service svc = service("spec: {ports: [{name: ws, port: 80}]}");
        EndpointSlice s = slice("f", "addressType: FQDN, ports: [{name: ws, port: 8080}], endpoints: [{addresses: [chat.example.com]}]");
        assertThat(keys(resolve("80", svc, s))).isEmpty();
    }

    @Test
    void anEndpointWithSeveralAddressesIsOneEndpoint() {
        // "These are all assumed to be fungible and clients may choose to only use the first element" (discovery/v1)
        Service svc = service("spec: {ports: [{name: ws, port: 80}]}");
        EndpointSlice s = slice("a", "addressType: IPv4, ports: [{name: ws, port: 8080}], endpoints: ["
                + "{addresses: [10.0.0.1, 10.0.0.9]}, {addresses: [10.0.0.2]}]");
        assertThat(keys(resolve("80", svc, s))).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    }

    @Test
    void anExternalNameServiceSaysSo() {
        ResolvedBackend b = resolve("80",
                service("spec: {type: ExternalName, externalName: chat.example.com, ports: [{name: ws, port: 80}]}"));
        assertThat(b.problemReason()).isEqualTo(ServiceResolver.UNSUPPORTED_SERVICE_TYPE);
        assertThat(b.problemMessage()).isEqualTo("Service default/chat is of type ExternalName (chat.example.com): it has no"
                + " endpoints; wsroute routes to the pods of a Service's EndpointSlices");
    }

    @Test
    void aHeadlessServiceResolvesItsSlices() {
        Service svc = service("spec: {clusterIP: None, ports: [{name: ws, port: 80, targetPort: 8080}]}");
        EndpointSlice s = slice("a", "addressType: IPv4, ports: [{name: ws, port: 8080}], endpoints: [{addresses: [10.0.0.1]}]");
        assertThat(keys(resolve("80", svc, s))).containsExactly("10.0.0.1:8080");
    }
}

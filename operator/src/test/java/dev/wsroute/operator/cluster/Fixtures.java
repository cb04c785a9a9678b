package dev.wsroute.operator.cluster;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.wsroute.api.ActiveHealthCheckSpec;
import dev.wsroute.api.BackendSpec;
import dev.wsroute.api.HealthCheckSpec;
import dev.wsroute.api.MatchSpec;
import dev.wsroute.api.PathMatchSpec;
import dev.wsroute.api.PortRef;
import dev.wsroute.api.RuleSpec;
import dev.wsroute.api.ServiceRefSpec;
import dev.wsroute.api.WebSocketRouteSpec;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Resources;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Builders for the objects tests put into a (mock) cluster. */
public final class Fixtures {
    private Fixtures() {
    }

    /** The committed CRD, so the mock API server treats status as a subresource, as a real one does. */
    public static void registerCrd(KubernetesClient client) {
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                .load(Path.of("../crds/websocketroutes.wsroute.dev-v1.yml").toFile()).item();
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    }

    public static Service service(String ns, String name, int port, String portName) {
        return new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().addNewPort().withName(portName).withPort(port).endPort().endSpec().build();
    }

    /** A slice of ready endpoints at (ip, port) for each ip; {@code notReady} ips are listed not ready. */
    public static EndpointSlice slice(String ns, String name, String service, String portName, int port,
            List<String> ready, List<String> notReady) {
        List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> eps = new ArrayList<>();
        ready.forEach(ip -> eps.add(endpoint(ip, true)));
        notReady.forEach(ip -> eps.add(endpoint(ip, false)));
        return new EndpointSliceBuilder()
                .withMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name)
                        .withLabels(Map.of(Resources.SERVICE_NAME_LABEL, service)).build())
                .withAddressType("IPv4")
                .addNewPort().withName(portName).withPort(port).withProtocol("TCP").endPort()
                .withEndpoints(eps).build();
    }

    /**
     * The slice with its one endpoint (127.0.0.1) terminating: not ready, still serving (its pod deleted, in its grace
     * period). Tests that need it no longer serving set {@code serving} false on the result.
     */
    public static EndpointSlice terminating(String ns, String name, String service, String portName, int port) {
        return new EndpointSliceBuilder()
                .withMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name)
                        .withLabels(Map.of(Resources.SERVICE_NAME_LABEL, service)).build())
                .withAddressType("IPv4")
                .addNewPort().withName(portName).withPort(port).withProtocol("TCP").endPort()
                .withEndpoints(new EndpointBuilder().withAddresses("127.0.0.1")
                        .withNewConditions().withReady(false).withServing(true).withTerminating(true).endConditions()
                        .withNewTargetRef().withKind("Pod").withName(name + "-pod").endTargetRef().build())
                .build();
    }

    private static io.fabric8.kubernetes.api.model.discovery.v1.Endpoint endpoint(String ip, boolean ready) {
        return new EndpointBuilder().withAddresses(ip).withNewConditions().withReady(ready).endConditions()
                .withNewTargetRef().withKind("Pod").withName("pod-" + ip.replace('.', '-')).endTargetRef().build();
    }

    /** A route with one Prefix rule to a Service port (a number, or a name when not numeric). */
    public static WebSocketRoute route(String ns, String name, List<String> hosts, String path, String service, String port) {
        WebSocketRoute r = new WebSocketRoute();
        r.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
        WebSocketRouteSpec spec = new WebSocketRouteSpec();
        spec.hosts = hosts;
        RuleSpec rule = new RuleSpec();
        rule.match = new MatchSpec();
        rule.match.path = new PathMatchSpec();
        rule.match.path.value = path;
        BackendSpec b = new BackendSpec();
        b.service = new ServiceRefSpec();
        b.service.name = service;
        b.service.port = PortRef.parse(port);
        rule.backends = List.of(b);
        spec.rules = List.of(rule);
        r.setSpec(spec);
        return r;
    }

    /** Active HTTP checks of GET /health every second, one probe enough to change an endpoint's state. */
    public static HealthCheckSpec httpHealthCheck() {
        HealthCheckSpec h = new HealthCheckSpec();
        h.active = new ActiveHealthCheckSpec();
        h.active.type = ActiveHealthCheckSpec.Type.HTTP;
        h.active.path = "/health";
        // 3 s to answer a probe: with unhealthyThreshold 1, one slow probe on a loaded machine would mark down an
        // endpoint that a test needs healthy
        h.active.interval = "3s";
        h.active.timeout = "3s";
        h.active.healthyThreshold = 1;
        h.active.unhealthyThreshold = 1;
        return h;
    }

    /** Service chat (port ws), one ready endpoint 10.0.0.1:9000 and route chat for chat.example.com/ws, in ns. */
    public static void createChatRoute(KubernetesClient client, String ns) {
        client.resource(service(ns, "chat", 8080, "ws")).create();
        client.resource(slice(ns, "chat-1", "chat", "ws", 9000, List.of("10.0.0.1"), List.of())).create();
        client.resource(route(ns, "chat", List.of("chat.example.com"), "/ws", "chat", "ws")).create();
    }

    /** Whether the route's status says Accepted=True (null-safe: no status yet is not accepted). */
    public static boolean accepted(WebSocketRoute route) {
        return route != null && route.getStatus() != null
                && route.getStatus().conditions.stream().anyMatch(c -> "Accepted".equals(c.type) && "True".equals(c.status));
    }
}

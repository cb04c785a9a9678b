package dev.wsroute.operator.cluster;

import static dev.wsroute.operator.cluster.Fixtures.route;
import static dev.wsroute.operator.cluster.Fixtures.service;
import static dev.wsroute.operator.cluster.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.wsroute.api.RouteCondition;
import dev.wsroute.api.WebSocketRouteStatus;
import dev.wsroute.model.RouteId;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Resources;
import dev.wsroute.runtime.WsRouteRuntime;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.WsClient;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * EndpointSlices as a cluster writes them while a Service scales out and back in (many small slice updates), is
 * deleted while its slices remain, or has an address listed in two slices: the data plane's pool and the route's
 * status follow, sockets to pods that stay are never cut, and a route on another Service is not touched.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = RegisterCrd.class)
class SliceChurnTest {
    private static final Duration WAIT = Duration.ofSeconds(60); // a bound against a hang on a loaded machine
    private static final int PER_SLICE = 10;

    @Inject
    KubernetesClient client;
    @Inject
    RouteTableHolder holder;
    @Inject
    WsRouteRuntime runtime;
    private final List<EchoBackend> pods = new ArrayList<>();
    private final List<String> namespaces = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        pods.forEach(EchoBackend::close);
        for (String ns : namespaces) {
            client.resources(WebSocketRoute.class).inNamespace(ns).delete();
            await().atMost(WAIT).until(() -> client.resources(WebSocketRoute.class).inNamespace(ns).list().getItems().isEmpty()
                    && holder.current().routes().stream().noneMatch(r -> r.route().id().namespace().equals(ns)));
        }
    }

    @Test
    void aServiceScalingTo50AndBackTo3InSmallSliceUpdatesKeepsItsPoolAndOthersRight() throws Exception {
        String ns = setUp("churn");
        int a = pod("a");
        int b = pod("b");
        int c = pod("c");
        int other = pod("other");
        client.resource(service(ns, "echo", 80, "ws")).create();
        client.resource(slice(ns, "echo-a", "echo", "ws", a, List.of("127.0.0.1"), List.of())).create();
        client.resource(slice(ns, "echo-b", "echo", "ws", b, List.of("127.0.0.1"), List.of())).create();
        client.resource(service(ns, "other", 80, "ws")).create();
        client.resource(slice(ns, "other-1", "other", "ws", other, List.of("127.0.0.1"), List.of())).create();
        client.resource(route(ns, "echo", List.of(), "/ws", "echo", "80")).create();
        client.resource(route(ns, "other", List.of(), "/other", "other", "80")).create();
        await().atMost(WAIT).until(() -> endpoints(ns, "echo").size() == 2 && endpoints(ns, "other").size() == 1);
        int proxy = runtime.dataPlane().port();
        WsClient onA = WsClient.connect(proxy, "/ws");
        WsClient onB = WsClient.connect(proxy, "/ws");
        assertThat(List.of(onA.roundTrip("x"), onB.roundTrip("x"))).containsExactlyInAnyOrder("a:x", "b:x");
        if (onA.roundTrip("who").startsWith("b:")) { // name them by where they went
            WsClient t = onA;
            onA = onB;
            onB = t;
        }
        WsClient onOther = WsClient.connect(proxy, "/other");
        assertThat(onOther.roundTrip("x")).isEqualTo("other:x");
        CompiledRoute otherBefore = holder.current().route(new RouteId(ns, "other"));

        // scale out to 50: 48 pods, each listed not ready, then ready, in slices of 10 (96 slice writes)
        List<List<Endpoint>> slices = new ArrayList<>();
        int events = 0;
        for (int i = 0; i < 48; i++) {
            if (i % PER_SLICE == 0) {
                slices.add(new ArrayList<>());
            }
            List<Endpoint> s = slices.get(i / PER_SLICE);
            s.add(endpoint(i, false, false));
            write(ns, i / PER_SLICE, s, s.size() == 1);
            s.set(s.size() - 1, endpoint(i, true, false));
            write(ns, i / PER_SLICE, s, false);
            events += 2;
        }
        await().atMost(WAIT).until(() -> endpoints(ns, "echo").size() == 50);
        await().atMost(WAIT).until(() -> status(ns, "echo") != null && status(ns, "echo").endpoints == 50);

        // and in to 3: each of the 48 terminates, then leaves its slice (96 more); c joins; emptied slices are deleted
        client.resource(slice(ns, "echo-c", "echo", "ws", c, List.of("127.0.0.1"), List.of())).create();
        for (int i = 0; i < 48; i++) {
            List<Endpoint> s = slices.get(i / PER_SLICE);
            int at = indexOf(s, ip(i));
            s.set(at, endpoint(i, false, true));
            write(ns, i / PER_SLICE, s, false);
            s.remove(at);
            if (s.isEmpty()) {
                client.resources(EndpointSlice.class).inNamespace(ns).withName("echo-fleet-" + (i / PER_SLICE)).delete();
            } else {
                write(ns, i / PER_SLICE, s, false);
            }
            events += 2;
        }
        assertThat(events).isGreaterThanOrEqualTo(190);
        List<String> three = List.of("127.0.0.1:" + a, "127.0.0.1:" + b, "127.0.0.1:" + c).stream().sorted().toList();
        await().atMost(WAIT).until(() -> endpoints(ns, "echo").equals(three));
        await().atMost(WAIT).until(() -> status(ns, "echo").endpoints == 3
                && status(ns, "echo").pools.get(0).backends.get(0).endpoints.size() == 3);
        assertThat(condition(ns, "echo", "Ready").reason).isEqualTo("EndpointsResolved");

        assertThat(onA.roundTrip("still there?")).isEqualTo("a:still there?");
        assertThat(onB.roundTrip("still there?")).isEqualTo("b:still there?");
        for (int i = 0; i < 3; i++) { // new upgrades only to the three
            try (WsClient fresh = WsClient.connect(proxy, "/ws")) {
                assertThat(fresh.roundTrip("n")).isIn("a:n", "b:n", "c:n");
            }
        }
        assertThat(holder.current().route(new RouteId(ns, "other"))).as("the other route was never recompiled")
                .isSameAs(otherBefore);
        assertThat(onOther.roundTrip("still there?")).isEqualTo("other:still there?");
        assertThat(onA.closeCodeNow()).isNull();
        assertThat(onB.closeCodeNow()).isNull();
        assertThat(onOther.closeCodeNow()).isNull();
    }

    @Test
    void aServiceDeletedWhileItsSlicesStaySaysServiceNotFoundAndComesBackWhenRecreated() throws Exception {
        String ns = setUp("svcgone");
        int a = pod("a");
        int other = pod("other");
        client.resource(service(ns, "echo", 80, "ws")).create();
        client.resource(slice(ns, "echo-a", "echo", "ws", a, List.of("127.0.0.1"), List.of())).create();
        client.resource(service(ns, "other", 80, "ws")).create();
        client.resource(slice(ns, "other-1", "other", "ws", other, List.of("127.0.0.1"), List.of())).create();
        client.resource(route(ns, "echo", List.of(), "/ws", "echo", "80")).create();
        client.resource(route(ns, "other", List.of(), "/other", "other", "80")).create();
        await().atMost(WAIT).until(() -> endpoints(ns, "echo").size() == 1 && endpoints(ns, "other").size() == 1);
        int proxy = runtime.dataPlane().port();
        WsClient onOther = WsClient.connect(proxy, "/other");
        CompiledRoute otherBefore = holder.current().route(new RouteId(ns, "other"));

        client.resources(Service.class).inNamespace(ns).withName("echo").delete();
        await().atMost(WAIT).until(() -> endpoints(ns, "echo").isEmpty());
        await().atMost(WAIT).until(() -> status(ns, "echo") != null
                && "ServiceNotFound".equals(condition(ns, "echo", "ResolvedRefs").reason));
        assertThat(condition(ns, "echo", "ResolvedRefs").message)
                .isEqualTo("spec.rules[0].backends[0]: Service " + ns + "/echo not found");
        assertThat(condition(ns, "echo", "Ready").reason).isEqualTo("NoReadyEndpoints");
        assertThat(status(ns, "echo").endpoints).isZero();

        client.resource(service(ns, "echo", 80, "ws")).create(); // the slices never went
        await().atMost(WAIT).until(() -> endpoints(ns, "echo").equals(List.of("127.0.0.1:" + a)));
        await().atMost(WAIT).until(() -> "ResolvedRefs".equals(condition(ns, "echo", "ResolvedRefs").reason)
                && "EndpointsResolved".equals(condition(ns, "echo", "Ready").reason));
        try (WsClient fresh = WsClient.connect(proxy, "/ws")) {
            assertThat(fresh.roundTrip("back")).isEqualTo("a:back");
        }
        assertThat(holder.current().route(new RouteId(ns, "other"))).isSameAs(otherBefore);
        assertThat(onOther.roundTrip("x")).isEqualTo("other:x");
    }

    @Test
    void anAddressInTwoSlicesIsOneEndpointAndMovingBetweenThemCutsNothing() throws Exception {
        String ns = setUp("dup");
        int a = pod("a");
        client.resource(service(ns, "marker", 80, "ws")).create();
        client.resource(slice(ns, "marker-1", "marker", "ws", 1, List.of("127.0.0.1"), List.of())).create();
        client.resource(route(ns, "marker", List.of(), "/marker", "marker", "80")).create();
        client.resource(service(ns, "echo", 80, "ws")).create();
        client.resource(slice(ns, "echo-1", "echo", "ws", a, List.of("127.0.0.1"), List.of())).create();
        // a mirror controller's copy of the same address, a moment behind (not ready yet)
        EndpointSlice mirror = slice(ns, "echo-mirror", "echo", "ws", a, List.of(), List.of("127.0.0.1"));
        mirror.getMetadata().getLabels().put("endpointslice.kubernetes.io/managed-by", "mirror.example.com");
        client.resource(mirror).create();
        client.resource(route(ns, "echo", List.of(), "/ws", "echo", "80")).create();
        await().atMost(WAIT).until(() -> endpoints(ns, "echo").equals(List.of("127.0.0.1:" + a)));
        await().atMost(WAIT).until(() -> status(ns, "echo") != null && status(ns, "echo").endpoints == 1);
        assertThat(status(ns, "echo").pools.get(0).backends.get(0).endpoints).hasSize(1);
        assertThat(status(ns, "echo").pools.get(0).backends.get(0).endpoints.get(0).ready).isTrue();
        int proxy = runtime.dataPlane().port();
        WsClient onA = WsClient.connect(proxy, "/ws");
        assertThat(onA.roundTrip("x")).isEqualTo("a:x");
        CompiledRoute before = holder.current().route(new RouteId(ns, "echo"));

        // the controller moves the endpoint to another slice: added there first, then removed here
        client.resource(slice(ns, "echo-2", "echo", "ws", a, List.of("127.0.0.1"), List.of())).create();
        client.resources(EndpointSlice.class).inNamespace(ns).withName("echo-1").delete();
        await().atMost(WAIT).until(() -> client.resources(EndpointSlice.class).inNamespace(ns).withName("echo-1").get() == null);
        // a later slice event (one watch: in order) in the table means both before it are too
        client.resource(slice(ns, "marker-1", "marker", "ws", 2, List.of("127.0.0.1"), List.of())).update();
        await().atMost(WAIT).until(() -> endpoints(ns, "marker").equals(List.of("127.0.0.1:2")));
        assertThat(endpoints(ns, "echo")).isEqualTo(List.of("127.0.0.1:" + a));
        assertThat(holder.current().route(new RouteId(ns, "echo"))).as("same inputs: the compiled route is reused")
                .isSameAs(before);
        assertThat(onA.roundTrip("still there?")).isEqualTo("a:still there?");
        assertThat(onA.closeCodeNow()).isNull();
    }

    @Test
    void aDualStackServiceIsDialledOverItsPrimaryFamilyOnly() throws Exception {
        // a machine, not a peer: one whose network namespace has IPv6 turned off has no ::1 to put a pod on
        Assumptions.assumeTrue(ipv6Loopback(), "this machine has no IPv6 loopback address (::1)");
        String ns = setUp("dualstack");
        // the controller lists each pod in an IPv4 and an IPv6 slice; here each family's address is a pod of its
        // own, so that the answers tell which family was dialled
        int v4 = pod("v4");
        EchoBackend onV6 = EchoBackend.named("v6", "::1");
        pods.add(onV6);
        int v6 = onV6.port();
        Service svc = service(ns, "echo", 80, "ws");
        svc.getSpec().setIpFamilyPolicy("PreferDualStack");
        svc.getSpec().setIpFamilies(List.of("IPv6", "IPv4"));
        client.resource(svc).create();
        client.resource(slice(ns, "echo-v4", "echo", "ws", v4, List.of("127.0.0.1"), List.of())).create();
        EndpointSlice sixes = slice(ns, "echo-v6", "echo", "ws", v6, List.of("::1"), List.of());
        sixes.setAddressType("IPv6");
        client.resource(sixes).create();
        client.resource(route(ns, "echo", List.of(), "/ws", "echo", "80")).create();
        await().atMost(WAIT).until(() -> status(ns, "echo") != null && status(ns, "echo").endpoints != null
                && status(ns, "echo").endpoints > 0);
        assertThat(endpoints(ns, "echo")).containsExactly("[::1]:" + v6);
        assertThat(status(ns, "echo").endpoints).isEqualTo(1);
        assertThat(status(ns, "echo").pools.get(0).backends.get(0).endpoints).extracting(e -> e.ip).containsExactly("::1");
        int proxy = runtime.dataPlane().port();
        try (WsClient first = WsClient.connect(proxy, "/ws"); WsClient second = WsClient.connect(proxy, "/ws")) {
            assertThat(List.of(first.roundTrip("x"), second.roundTrip("x"))).containsExactly("v6:x", "v6:x");
        }
    }

    private static boolean ipv6Loopback() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String setUp(String ns) {
        namespaces.add(ns);
        return ns;
    }

    private void write(String ns, int s, List<Endpoint> endpoints, boolean create) {
        EndpointSlice slice = new EndpointSliceBuilder()
                .withMetadata(new ObjectMetaBuilder().withNamespace(ns).withName("echo-fleet-" + s)
                        .withLabels(Map.of(Resources.SERVICE_NAME_LABEL, "echo",
                                "endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io"))
                        .build())
                .withAddressType("IPv4")
                .addNewPort().withName("ws").withPort(8080).withProtocol("TCP").endPort()
                .withEndpoints(List.copyOf(endpoints)).build();
        if (create) {
            client.resource(slice).create();
        } else {
            client.resource(slice).update();
        }
    }

    private static String ip(int i) {
        return "10.1." + (i / 256) + "." + (i % 256 + 1);
    }

    private static Endpoint endpoint(int i, boolean ready, boolean terminating) {
        return new EndpointBuilder().withAddresses(ip(i))
                .withNewConditions().withReady(ready).withServing(ready || terminating).withTerminating(terminating)
                .endConditions()
                .withNewTargetRef().withKind("Pod").withName("echo-fleet-" + i).endTargetRef().build();
    }

    private static int indexOf(List<Endpoint> endpoints, String ip) {
        for (int i = 0; i < endpoints.size(); i++) {
            if (endpoints.get(i).getAddresses().get(0).equals(ip)) {
                return i;
            }
        }
        throw new IllegalStateException(ip);
    }

    private WebSocketRouteStatus status(String ns, String name) {
        WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace(ns).withName(name).get();
        return r == null ? null : r.getStatus();
    }

    private RouteCondition condition(String ns, String name, String type) {
        return status(ns, name).conditions.stream().filter(c -> type.equals(c.type)).findFirst().orElseThrow();
    }

    private int pod(String name) throws Exception {
        EchoBackend pod = EchoBackend.named(name);
        pods.add(pod);
        return pod.port();
    }

    private List<String> endpoints(String ns, String name) {
        CompiledRoute r = holder.current().route(new RouteId(ns, name));
        return r == null ? List.of() : r.rules().get(0).pool().endpoints().stream().map(e -> e.key()).sorted().toList();
    }
}

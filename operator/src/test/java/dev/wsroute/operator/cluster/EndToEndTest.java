package dev.wsroute.operator.cluster;

import static dev.wsroute.operator.cluster.Fixtures.route;
import static dev.wsroute.operator.cluster.Fixtures.service;
import static dev.wsroute.operator.cluster.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.model.RouteId;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.runtime.WsRouteRuntime;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.WsClient;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * Ingress mode end to end: a JDK WebSocket client connects through the data plane to Vert.x echo servers that
 * stand in for pods (the EndpointSlice points at 127.0.0.1:port). New connections follow the slice as it scales;
 * open connections to endpoints that stay are untouched, and those to a removed endpoint drain (Close 1001).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = RegisterCrd.class)
class EndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(60); // a bound against a hang on a loaded machine
    private static final String NS = "e2e";

    @Inject
    KubernetesClient client;
    @Inject
    RouteTableHolder holder;
    @Inject
    WsRouteRuntime runtime;
    private final List<EchoBackend> pods = new ArrayList<>();

    @AfterEach
    void stopPods() {
        pods.forEach(EchoBackend::close);
    }

    @Test
    void newConnectionsFollowTheSliceWhileOpenOnesStay() throws Exception {
        int a = pod("a");
        int b = pod("b");
        client.resource(service(NS, "echo", 80, "ws")).create();
        // both pods listen on 127.0.0.1 at different ports: one slice per pod, as a slice has one port set
        client.resource(slice(NS, "echo-a", "echo", "ws", a, List.of("127.0.0.1"), List.of())).create();
        client.resource(route(NS, "echo", List.of(), "/ws", "echo", "80")).create();
        await().atMost(WAIT).until(() -> endpoints().size() == 1);
        int proxy = runtime.dataPlane().port();

        WsClient first = WsClient.connect(proxy, "/ws/room");
        assertThat(first.roundTrip("hello")).isEqualTo("a:hello");

        // scale up: pod b joins; least-connections sends the next client there, the first stays on a
        client.resource(slice(NS, "echo-b", "echo", "ws", b, List.of("127.0.0.1"), List.of())).create();
        await().atMost(WAIT).until(() -> endpoints().size() == 2);
        WsClient second = WsClient.connect(proxy, "/ws/room");
        assertThat(second.roundTrip("hi")).isEqualTo("b:hi");
        assertThat(first.roundTrip("still there?")).isEqualTo("a:still there?");

        // scale down: pod a leaves (not ready, as when it terminates); new clients go to b only
        client.resource(slice(NS, "echo-a", "echo", "ws", a, List.of(), List.of("127.0.0.1"))).update();
        await().atMost(WAIT).until(() -> endpoints().equals(List.of("127.0.0.1:" + b)));
        WsClient third = WsClient.connect(proxy, "/ws/other");
        assertThat(third.roundTrip("new")).isEqualTo("b:new");

        // the tunnel to a drains (1s in tests) and closes with 1001; the ones to b never notice
        await().atMost(WAIT).until(() -> first.closeCodeNow() != null);
        assertThat(first.closeCodeNow()).isEqualTo(1001);
        assertThat(second.roundTrip("after the drain")).isEqualTo("b:after the drain");
        assertThat(second.closeCodeNow()).isNull();
        second.sendClose();
        third.sendClose();

        // and the status tells the same story
        WebSocketRoute r = client.resources(WebSocketRoute.class).inNamespace(NS).withName("echo").get();
        assertThat(r.getStatus().endpoints).isEqualTo(1);
    }

    /** A WebSocket echo server on 127.0.0.1 that prefixes replies with its name; returns its port. */
    private int pod(String name) throws Exception {
        EchoBackend pod = EchoBackend.named(name);
        pods.add(pod);
        return pod.port();
    }

    private List<String> endpoints() {
        CompiledRoute r = holder.current().route(new RouteId(NS, "echo"));
        return r == null ? List.of() : r.rules().get(0).pool().endpoints().stream().map(e -> e.key()).sorted().toList();
    }
}

package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.wsroute.model.RouteId;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.RouteStatusDraft;
import dev.wsroute.operator.translate.TableInputs;
import dev.wsroute.operator.translate.Translator;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.tls.TlsResolver;

/** The sidecar builds its table from status.pools alone: no Services or slices in its view. */
class SidecarPlannerTest {

    @Test
    void tableComesFromThePoolsTheOperatorWrote() {
        MutableView cluster = new MutableView();
        cluster.put(Fixtures.service("ns", "chat", 80, "ws"))
                .put(Fixtures.slice("ns", "chat", "chat", "ws", 8080, List.of("10.0.0.1", "10.0.0.2"), List.of("10.0.0.3")));
        WebSocketRoute accepted = withStatus(cluster, Fixtures.route("ns", "chat", List.of("a.example.com"), "/", "chat", "80"), 1L);
        WebSocketRoute stale = withStatus(cluster, Fixtures.route("ns", "stale", List.of("b.example.com"), "/", "chat", "80"), 1L);
        stale.getMetadata().setGeneration(2L); // spec changed since the operator looked: not trusted yet
        WebSocketRoute missing = withStatus(cluster, Fixtures.route("ns", "missing", List.of("c.example.com"), "/", "gone", "80"), 1L);
        WebSocketRoute unwritten = Fixtures.route("ns", "new", List.of("d.example.com"), "/", "chat", "80");
        unwritten.getMetadata().setGeneration(1L);

        MutableView sidecar = new MutableView().put(accepted).put(stale).put(missing).put(unwritten);
        TableInputs plan = new SidecarPlanner(sidecar, new ValidationCache()).apply(null).table();
        RouteTable table = new TableBuilder(plan.endpoints(), TlsResolver.NONE).build(1, plan.routes(), p -> {
        });

        assertThat(table.routes()).extracting(r -> r.route().id().name()).containsExactly("chat", "missing");
        assertThat(table.route(new RouteId("ns", "chat")).rules().get(0).pool().endpoints())
                .extracting(Endpoint::key).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
        assertThat(table.route(new RouteId("ns", "missing")).rules().get(0).pool().isEmpty()).isTrue();
    }

    @Test
    void aBackendWithOnlyServingTerminatingPodsFallsBackToThemAsInIngressMode() {
        MutableView cluster = new MutableView();
        var slice = Fixtures.slice("ns", "chat", "chat", "ws", 8080, List.of(), List.of("10.0.0.1", "10.0.0.2"));
        slice.getEndpoints().get(0).getConditions().setServing(true); // the old pod, in its grace period, still serving
        slice.getEndpoints().get(0).getConditions().setTerminating(true);
        slice.getEndpoints().get(1).getConditions().setTerminating(true); // terminating, no longer serving
        cluster.put(Fixtures.service("ns", "chat", 80, "ws")).put(slice);
        WebSocketRoute route = withStatus(cluster, Fixtures.route("ns", "chat", List.of("a.example.com"), "/", "chat", "80"), 1L);

        TableInputs plan = new SidecarPlanner(new MutableView().put(route), new ValidationCache()).apply(null).table();
        RouteTable table = new TableBuilder(plan.endpoints(), TlsResolver.NONE).build(1, plan.routes(), p -> {
        });

        var rule = table.route(new RouteId("ns", "chat")).rules().get(0);
        assertThat(rule.pool().endpoints()).extracting(Endpoint::key).containsExactly("10.0.0.1:8080");
        assertThat(table.keeps(rule.pool().id(), "10.0.0.1:8080")).as("its sockets drain").isFalse();
    }

    @Test
    void anEditTheOperatorHasNotLookedAtKeepsTheAcceptedVersionAndOneItTurnsDownDropsIt() {
        MutableView cluster = new MutableView();
        cluster.put(Fixtures.service("ns", "chat", 80, "ws"))
                .put(Fixtures.slice("ns", "chat", "chat", "ws", 8080, List.of("10.0.0.1"), List.of()));
        WebSocketRoute v1 = withStatus(cluster, Fixtures.route("ns", "chat", List.of(), "/ws", "chat", "80"), 1L);
        v1.getMetadata().setUid("uid-1");
        MutableView sidecar = new MutableView().put(v1);
        SidecarPlanner planner = new SidecarPlanner(sidecar, new ValidationCache());
        assertThat(paths(planner)).containsExactly("/ws");

        WebSocketRoute v2 = Fixtures.route("ns", "chat", List.of(), "/chat", "chat", "80"); // edited: generation 2
        v2.getMetadata().setUid("uid-1");
        v2.getMetadata().setGeneration(2L);
        v2.getMetadata().setCreationTimestamp(v1.getMetadata().getCreationTimestamp());
        v2.setStatus(v1.getStatus()); // observedGeneration 1: the operator has not looked yet
        sidecar.put(v2);
        assertThat(paths(planner)).as("served as accepted, pools too").containsExactly("/ws");

        WebSocketRoute recreated = Fixtures.route("ns", "chat", List.of(), "/chat", "chat", "80");
        recreated.getMetadata().setUid("uid-2"); // deleted and created again under the name: nothing to keep
        recreated.getMetadata().setGeneration(1L);
        sidecar.put(recreated);
        assertThat(paths(planner)).isEmpty();

        sidecar.put(v2);
        assertThat(paths(planner)).as("forgotten with the version it replaced").isEmpty();

        WebSocketRoute v3 = withStatus(cluster, Fixtures.route("ns", "chat", List.of(), "/chat", "chat", "80"), 3L);
        v3.getMetadata().setUid("uid-1");
        sidecar.put(v3);
        assertThat(paths(planner)).containsExactly("/chat");
        WebSocketRoute invalid = Fixtures.route("ns", "chat", List.of(), "no-slash", "chat", "80");
        invalid.getMetadata().setUid("uid-1");
        invalid = withStatus(cluster, invalid, 4L); // the operator looked at generation 4 and turned it down
        sidecar.put(invalid);
        assertThat(paths(planner)).as("the operator's word at this generation").isEmpty();
    }

    private static List<String> paths(SidecarPlanner planner) {
        return planner.apply(null).table().routes().stream().map(r -> r.rules().get(0).match().path().value()).toList();
    }

    /** The status the operator would write for this route in this cluster. */
    private static WebSocketRoute withStatus(MutableView cluster, WebSocketRoute r, long generation) {
        r.getMetadata().setGeneration(generation);
        r.getMetadata().setCreationTimestamp("2026-01-01T00:00:0" + r.getMetadata().getName().length() + "Z");
        cluster.put(r);
        RouteStatusDraft draft = new Translator().translate(cluster).statuses().get(Translator.id(r));
        r.setStatus(StatusMerge.merge(null, draft, Instant.EPOCH));
        return r;
    }
}

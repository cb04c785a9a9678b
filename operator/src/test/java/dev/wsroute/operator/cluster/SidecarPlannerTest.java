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

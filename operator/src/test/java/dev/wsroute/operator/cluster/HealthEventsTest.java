package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.wsroute.model.RouteId;
import dev.wsroute.table.RuleIdentities;
import dev.wsroute.table.RuleKey;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;

/** Health changes of a route's endpoints become Events on the route, written against a (mock, CRUD) API server. */
@EnableKubernetesMockClient(crud = true)
class HealthEventsTest {
    KubernetesClient client;

    @Test
    void anEjectionAndTheReturnAreEventsOnTheRoute() {
        RuleKey rule = new RuleKey(new RouteId("apps", "chat"), RuleIdentities.named("rooms"), 1);
        RuleKey unnamed = new RuleKey(new RouteId("apps", "chat"), "match 0 path Prefix \"/secret-tenant\"", 2);
        try (HealthEvents events = new HealthEvents(client)) {
            events.ejected(rule, "10.0.0.7:8080", Duration.ofSeconds(30), "connect failed, 5 consecutive failure(s)");
            events.returned(rule, "10.0.0.7:8080");
            events.healthChanged(unnamed, "10.0.0.8:8080", false, "active health check failed 3 time(s): GET /healthz answered 500");
            await().atMost(Duration.ofSeconds(20)).until(() -> client.v1().events().inNamespace("apps").list().getItems().size() == 3);
        }
        List<Event> list = client.v1().events().inNamespace("apps").list().getItems();
        assertThat(list).extracting(Event::getReason).containsExactlyInAnyOrder("EndpointEjected", "EndpointReturned", "EndpointUnhealthy");
        assertThat(list).allSatisfy(e -> {
            assertThat(e.getInvolvedObject().getKind()).isEqualTo("WebSocketRoute");
            assertThat(e.getInvolvedObject().getName()).isEqualTo("chat");
            assertThat(e.getInvolvedObject().getApiVersion()).isEqualTo("wsroute.dev/v1alpha1");
        });
        Event ejected = list.stream().filter(e -> e.getReason().equals("EndpointEjected")).findFirst().orElseThrow();
        assertThat(ejected.getType()).isEqualTo("Warning");
        assertThat(ejected.getMessage())
                .isEqualTo("endpoint 10.0.0.7:8080 of rule \"rooms\" (rules[1]) ejected for 30s: connect failed, 5 consecutive failure(s)");
        Event unhealthy = list.stream().filter(e -> e.getReason().equals("EndpointUnhealthy")).findFirst().orElseThrow();
        assertThat(unhealthy.getMessage()).as("a rule without a name by its position, never by its match values")
                .startsWith("endpoint 10.0.0.8:8080 of rules[2] is unhealthy: ").doesNotContain("secret-tenant");
    }
}

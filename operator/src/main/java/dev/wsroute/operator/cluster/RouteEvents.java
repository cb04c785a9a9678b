package dev.wsroute.operator.cluster;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import org.jboss.logging.Logger;

import dev.wsroute.api.RouteCondition;
import dev.wsroute.api.WebSocketRouteStatus;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Condition;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Kubernetes Events for what a user should see in {@code kubectl describe wsr}: a condition that changed status
 * or reason. Best effort: an Event that can't be written is logged, never retried.
 */
final class RouteEvents {
    private static final Logger LOG = Logger.getLogger(RouteEvents.class);
    static final String COMPONENT = "wsroute-operator";

    private RouteEvents() {
    }

    static void emit(KubernetesClient client, WebSocketRoute route, WebSocketRouteStatus old, WebSocketRouteStatus now) {
        for (RouteCondition c : now.conditions) {
            RouteCondition prev = StatusMerge.find(old, c.type);
            boolean changed = prev == null || !c.status.equals(prev.status) || !c.reason.equals(prev.reason);
            // a new route that is fine says so once (Ready); problems and recoveries are always worth an Event
            boolean worthTelling = !"True".equals(c.status) || prev != null || Condition.READY.equals(c.type);
            if (changed && worthTelling && !"Unknown".equals(c.status)) {
                send(client, route, "True".equals(c.status) ? "Normal" : "Warning", c.reason, c.type + ": " + c.message);
            }
        }
    }

    private static void send(KubernetesClient client, WebSocketRoute route, String type, String reason, String message) {
        String ns = route.getMetadata().getNamespace();
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        try {
            client.v1().events().inNamespace(ns).resource(new EventBuilder()
                    .withNewMetadata().withGenerateName(route.getMetadata().getName() + ".").withNamespace(ns).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(route.getApiVersion())
                            .withKind(route.getKind()).withName(route.getMetadata().getName()).withNamespace(ns)
                            .withUid(route.getMetadata().getUid()).build())
                    .withType(type).withReason(reason).withMessage(message)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withNewSource().withComponent(COMPONENT).endSource()
                    .build()).create();
        } catch (RuntimeException e) {
            LOG.debugf("could not record event %s for %s/%s: %s", reason, ns, route.getMetadata().getName(), e.getMessage());
        }
    }
}

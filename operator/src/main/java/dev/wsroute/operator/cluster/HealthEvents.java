package dev.wsroute.operator.cluster;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.jboss.logging.Logger;

import dev.wsroute.lifecycle.HealthListener;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.table.RuleKey;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Kubernetes Events on a route when one of its endpoints is ejected or comes back, or its active health checks
 * change its state: what {@code kubectl describe wsr} should show. Health changes happen on event loops; the
 * API calls run on a thread of their own, best effort (an Event that can't be written is logged at debug).
 */
final class HealthEvents implements HealthListener, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HealthEvents.class);

    private final KubernetesClient client;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "wsroute-health-events");
        t.setDaemon(true);
        return t;
    });

    HealthEvents(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public void healthChanged(RuleKey rule, String endpoint, boolean healthy, String why) {
        send(rule, healthy ? "Normal" : "Warning", healthy ? "EndpointHealthy" : "EndpointUnhealthy",
                "endpoint " + endpoint + " of " + rule.label() + (healthy ? " is healthy: " : " is unhealthy: ") + why);
    }

    @Override
    public void ejected(RuleKey rule, String endpoint, Duration period, String why) {
        send(rule, "Warning", "EndpointEjected", "endpoint " + endpoint + " of " + rule.label() + " ejected for "
                + period.toSeconds() + "s: " + why);
    }

    @Override
    public void returned(RuleKey rule, String endpoint) {
        send(rule, "Normal", "EndpointReturned", "endpoint " + endpoint + " of " + rule.label() + " takes connections again");
    }

    private void send(RuleKey rule, String type, String reason, String message) {
        String ns = rule.route().namespace();
        String name = rule.route().name();
        writer.execute(() -> {
            String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
            try {
                client.v1().events().inNamespace(ns).resource(new EventBuilder()
                        .withNewMetadata().withGenerateName(name + ".").withNamespace(ns).endMetadata()
                        .withNewInvolvedObject().withApiVersion(WebSocketRoute.GROUP + "/" + WebSocketRoute.VERSION)
                        .withKind("WebSocketRoute").withName(name).withNamespace(ns).endInvolvedObject()
                        .withType(type).withReason(reason).withMessage(message)
                        .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                        .withNewSource().withComponent(RouteEvents.COMPONENT).endSource()
                        .build()).create();
            } catch (RuntimeException e) {
                LOG.debugf("could not record event %s for %s/%s: %s", reason, ns, name, e.getMessage());
            }
        });
    }

    @Override
    public void close() {
        writer.shutdownNow();
    }
}

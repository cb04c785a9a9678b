package dev.wsroute.operator.cluster;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import dev.wsroute.operator.config.WsRouteAppConfig;
import dev.wsroute.operator.config.WsRouteAppConfig.Mode;
import dev.wsroute.runtime.WsRouteRuntime;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * In ingress mode, where this process both watches the cluster and runs the data plane that checks endpoint
 * health, health changes become Events on the route. (The data plane starts before application observers.)
 */
@ApplicationScoped
public class HealthEventsStarter {
    @Inject
    WsRouteAppConfig config;
    @Inject
    WsRouteRuntime runtime;
    @Inject
    Instance<KubernetesClient> client;

    private HealthEvents events;

    void onStart(@Observes StartupEvent ev) {
        if (config.mode() == Mode.ingress && runtime.dataPlane() != null) {
            events = new HealthEvents(client.get());
            runtime.dataPlane().health().addListener(events);
        }
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (events != null) {
            events.close();
        }
    }
}

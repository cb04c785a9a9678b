package dev.wsroute.operator.cluster;

import java.time.Instant;
import java.util.List;

import jakarta.inject.Inject;

import dev.wsroute.api.WebSocketRouteStatus;
import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.RouteStatusDraft;
import dev.wsroute.operator.translate.ServiceResolver;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;

/**
 * Writes each route's status (only on the elected leader: the operator SDK runs reconcilers there alone). The
 * status is translation's by-product for this route, merged so that an unchanged route is never written.
 */
@ControllerConfiguration(name = RouteStatusReconciler.NAME)
public class RouteStatusReconciler implements Reconciler<WebSocketRoute> {
    static final String NAME = "websocketroute";

    @Inject
    ClusterState state;

    @Override
    public List<EventSource<?, WebSocketRoute>> prepareEventSources(EventSourceContext<WebSocketRoute> context) {
        return List.of(state.triggers());
    }

    @Override
    public UpdateControl<WebSocketRoute> reconcile(WebSocketRoute route, Context<WebSocketRoute> context) {
        ClusterCache cache = state.cache();
        if (cache == null) {
            throw new IllegalStateException("cluster cache not started"); // retried by the SDK
        }
        RouteStatusDraft draft = state.translator().status(route, cache, new ServiceResolver(cache));
        WebSocketRouteStatus old = route.getStatus();
        WebSocketRouteStatus now = StatusMerge.merge(old, draft, Instant.now());
        if (StatusMerge.same(old, now)) {
            return UpdateControl.noUpdate();
        }
        RouteEvents.emit(context.getClient(), route, old, now);
        route.setStatus(now);
        return UpdateControl.patchStatus(route);
    }
}

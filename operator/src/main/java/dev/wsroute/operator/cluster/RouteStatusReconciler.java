package dev.wsroute.operator.cluster;

import dev.wsroute.operator.crd.WebSocketRoute;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

@ControllerConfiguration(name = "websocketroute")
public class RouteStatusReconciler implements Reconciler<WebSocketRoute> {
    @Override
    public UpdateControl<WebSocketRoute> reconcile(WebSocketRoute route, Context<WebSocketRoute> context) {
        return UpdateControl.noUpdate();
    }
}

package dev.wsroute.runtime;

import jakarta.inject.Inject;

import dev.wsroute.proxy.DataPlane;

/** Live figures for the Dev UI card (dev mode only): the listener's address, routes in force, open WebSockets. */
public class WsRouteDevUiService {
    @Inject
    WsRouteRuntime wsroute;

    public String listenerUrl() {
        DataPlane dp = wsroute.dataPlane();
        return dp == null ? "not listening" : "http://localhost:" + dp.port() + "/";
    }

    public String routes() {
        return Integer.toString(wsroute.routeTables().current().routes().size());
    }

    public String openWebSockets() {
        DataPlane dp = wsroute.dataPlane();
        return Integer.toString(dp == null ? 0 : dp.tunnels());
    }
}

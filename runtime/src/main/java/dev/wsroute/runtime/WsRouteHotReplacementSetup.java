package dev.wsroute.runtime;

import io.quarkus.dev.spi.HotReplacementContext;
import io.quarkus.dev.spi.HotReplacementSetup;

/**
 * Dev mode: the data plane lives across live reloads ({@link DevModeDataPlane}) and closes when dev mode ends. Dev mode
 * loads HotReplacementSetup services from the app's runtime class path, so this class (and its services file) lives in
 * the runtime module: in the deployment module it was never loaded, and the listener outlived dev mode.
 */
public class WsRouteHotReplacementSetup implements HotReplacementSetup {

    @Override
    public void setupHotDeployment(HotReplacementContext context) {
        DevModeDataPlane.hotReplacement(context);
    }

    @Override
    public void close() {
        DevModeDataPlane.shutdown();
    }
}

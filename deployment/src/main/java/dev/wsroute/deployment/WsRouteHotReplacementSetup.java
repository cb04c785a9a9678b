package dev.wsroute.deployment;

import dev.wsroute.runtime.DevModeDataPlane;
import io.quarkus.dev.spi.HotReplacementContext;
import io.quarkus.dev.spi.HotReplacementSetup;

/** Dev mode: the data plane lives across live reloads ({@link DevModeDataPlane}) and closes when dev mode ends. */
public class WsRouteHotReplacementSetup implements HotReplacementSetup {

    @Override
    public void setupHotDeployment(HotReplacementContext context) {
    }

    @Override
    public void close() {
        DevModeDataPlane.shutdown();
    }
}

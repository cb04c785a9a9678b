package dev.wsroute.deployment;

import dev.wsroute.runtime.WsRouteRuntime;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.FeatureBuildItem;

/** Build steps of the wsroute extension: the feature, and the runtime beans that start the data plane. */
class WsRouteProcessor {

    private static final String FEATURE = "wsroute";

    @BuildStep
    FeatureBuildItem feature() {
        return new FeatureBuildItem(FEATURE);
    }

    @BuildStep
    AdditionalBeanBuildItem runtimeBeans() {
        return AdditionalBeanBuildItem.builder()
                .addBeanClasses(WsRouteRuntime.class.getName(),
                        "dev.wsroute.runtime.Health$Ready",
                        "dev.wsroute.runtime.Health$Started",
                        "dev.wsroute.runtime.Health$Alive",
                        "dev.wsroute.status.StatusPage")
                .setUnremovable()
                .build();
    }
}

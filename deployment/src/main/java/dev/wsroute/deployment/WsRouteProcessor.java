package dev.wsroute.deployment;

import java.nio.file.Path;
import java.util.Optional;

import org.eclipse.microprofile.config.ConfigProvider;

import dev.wsroute.runtime.LeaveOnShutdown;
import dev.wsroute.runtime.WsRouteRuntime;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.deployment.Capabilities;
import io.quarkus.deployment.Capability;
import io.quarkus.deployment.IsDevelopment;
import io.quarkus.deployment.IsNormal;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.FeatureBuildItem;
import io.quarkus.deployment.builditem.HotDeploymentWatchedFileBuildItem;
import io.quarkus.deployment.builditem.RunTimeConfigurationDefaultBuildItem;
import io.quarkus.deployment.builditem.ShutdownListenerBuildItem;
import io.quarkus.deployment.metrics.MetricsCapabilityBuildItem;
import io.quarkus.runtime.metrics.MetricsFactory;

/**
 * Build steps of the wsroute extension: the feature, the runtime bean that starts the data plane, metrics when the
 * app has Micrometer, health checks when the app has SmallRye Health, and defaults that put the app's own HTTP
 * server behind the listener.
 */
class WsRouteProcessor {

    private static final String FEATURE = "wsroute";

    @BuildStep
    FeatureBuildItem feature() {
        return new FeatureBuildItem(FEATURE);
    }

    @BuildStep
    AdditionalBeanBuildItem runtimeBeans() {
        return AdditionalBeanBuildItem.unremovableOf(WsRouteRuntime.class);
    }

    /**
     * On SIGTERM, in Quarkus's pre-shutdown phase: readiness DOWN and {@code Connection: close} on HTTP answers while
     * the listeners go on serving through {@code quarkus.shutdown.delay} (if the app enabled it); the ShutdownEvent
     * after it closes them and drains.
     */
    @BuildStep
    ShutdownListenerBuildItem leaveOnShutdown() {
        return new ShutdownListenerBuildItem(new LeaveOnShutdown());
    }

    /** The live status page (/q/wsroute), served where the app has a management interface. */
    @BuildStep
    AdditionalBeanBuildItem statusPage() {
        return AdditionalBeanBuildItem.unremovableOf("dev.wsroute.status.StatusPage");
    }

    /** The data plane's meters in the app's registry, only in an app that has Micrometer; elsewhere they count nothing. */
    @BuildStep
    void metrics(Optional<MetricsCapabilityBuildItem> metrics, BuildProducer<AdditionalBeanBuildItem> beans) {
        if (metrics.isPresent() && metrics.get().metricsSupported(MetricsFactory.MICROMETER)) {
            beans.produce(AdditionalBeanBuildItem.unremovableOf("dev.wsroute.metrics.micrometer.MicrometerMeters"));
        }
    }

    /** Readiness, liveness and startup checks, only in an app that serves health checks. */
    @BuildStep
    void healthChecks(Capabilities capabilities, BuildProducer<AdditionalBeanBuildItem> beans) {
        if (capabilities.isPresent(Capability.SMALLRYE_HEALTH)) {
            beans.produce(AdditionalBeanBuildItem.builder()
                    .addBeanClasses("dev.wsroute.runtime.Health$Ready", "dev.wsroute.runtime.Health$Started",
                            "dev.wsroute.runtime.Health$Alive")
                    .setUnremovable()
                    .build());
        }
    }

    /**
     * The listener is the app's public port (wsroute.listen.port, 8080); the app's own HTTP server moves out of its
     * way, to loopback on any free port, where the listener sends what no route claims. Any explicit setting wins.
     */
    @BuildStep
    void appServerBehindTheListener(BuildProducer<RunTimeConfigurationDefaultBuildItem> defaults) {
        defaults.produce(new RunTimeConfigurationDefaultBuildItem("quarkus.http.host", "127.0.0.1"));
        defaults.produce(new RunTimeConfigurationDefaultBuildItem("quarkus.http.port", "0"));
        defaults.produce(new RunTimeConfigurationDefaultBuildItem("quarkus.http.test-port", "0"));
    }

    /**
     * No drain wait outside production: a live reload keeps the data plane and, when dev mode ends, open WebSockets are
     * closed at once; a test app (each {@code @TestProfile} restarts it) stops without waiting for the WebSockets its
     * tests left open.
     */
    @BuildStep(onlyIfNot = IsNormal.class)
    RunTimeConfigurationDefaultBuildItem noDrainOutsideProduction() {
        return new RunTimeConfigurationDefaultBuildItem("wsroute.drain.period", "0s");
    }

    /**
     * Dev mode: a routes file that is a classpath resource ({@code routes.yaml} in {@code src/main/resources}) is read
     * once per start, so an edit of it reloads the app (a file on disk is watched by the data plane itself).
     */
    @BuildStep(onlyIf = IsDevelopment.class)
    void reloadOnClasspathRoutesChange(BuildProducer<HotDeploymentWatchedFileBuildItem> watched) {
        ConfigProvider.getConfig().getOptionalValue("wsroute.routes-file", String.class)
                .filter(file -> !Path.of(file).isAbsolute())
                .ifPresent(file -> watched.produce(new HotDeploymentWatchedFileBuildItem(file.replace('\\', '/'), true)));
    }
}

package dev.wsroute.runtime;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;

import dev.wsroute.proxy.DataPlane;
import dev.wsroute.warmup.WarmUp;

/** Health of the data plane, for the management interface's /q/health probes. */
final class Health {
    private Health() {
    }

    static HealthCheckResponseBuilder describe(WsRouteRuntime rt, String name) {
        HealthCheckResponseBuilder b = HealthCheckResponse.named(name)
                .withData("routesVersion", rt.routeTables().current().version())
                .withData("routes", rt.routeTables().current().routes().size());
        DataPlane dp = rt.dataPlane();
        if (dp != null) {
            b.withData("listening", dp.accepting()).withData("openWebSockets", dp.tunnels());
            if (dp.leaving()) { // SIGTERM: still serving through the shutdown delay, but no longer ready
                b.withData("shuttingDown", true);
            }
        }
        WarmUp warmUp = rt.warmUp();
        if (warmUp != null && !warmUp.done()) {
            b.withData("warmingUp", true);
        } else if (warmUp != null && warmUp.summary() != null) {
            b.withData("warmUp", warmUp.summary());
        }
        String fileError = rt.routesFileError();
        if (fileError != null) {
            b.withData("routesFileError", fileError);
        }
        return b;
    }

    /**
     * Ready once a first route table is loaded, the listeners accept and the warm-up (if any) has ended; not ready from
     * SIGTERM on (Quarkus's pre-shutdown: through {@code quarkus.shutdown.delay}, while the listeners still serve, and
     * the drain after it).
     */
    @Readiness
    @ApplicationScoped
    static class Ready implements HealthCheck {
        private final WsRouteRuntime rt;

        Ready(WsRouteRuntime rt) {
            this.rt = rt;
        }

        @Override
        public HealthCheckResponse call() {
            DataPlane dp = rt.dataPlane();
            boolean listening = !rt.config().listen().enabled() || (dp != null && dp.accepting());
            boolean warm = rt.warmUp() == null || rt.warmUp().done();
            return describe(rt, "wsroute-ready").status(rt.routeTables().loaded() && listening && warm && !rt.stopping()).build();
        }
    }

    /** Started once the listeners are bound (or at once, in a process that serves no traffic). */
    @Startup
    @ApplicationScoped
    static class Started implements HealthCheck {
        private final WsRouteRuntime rt;

        Started(WsRouteRuntime rt) {
            this.rt = rt;
        }

        @Override
        public HealthCheckResponse call() {
            boolean up = !rt.config().listen().enabled() || rt.dataPlane() != null;
            return HealthCheckResponse.named("wsroute-started").status(up).build();
        }
    }

    /**
     * Alive while the process can answer and every I/O thread runs its tasks; a bad routes file or an absent API server
     * is not a reason to restart. An I/O thread that has not run a tiny task it runs every 5 s for a minute is wedged
     * (a blocking call, an endless loop): its connections are lost, and only a restart brings them back. A loaded proxy
     * runs that task late by far less, so it is never restarted for being busy.
     */
    @Liveness
    @ApplicationScoped
    static class Alive implements HealthCheck {
        static final Duration WEDGED = Duration.ofSeconds(60);
        private final WsRouteRuntime rt;

        Alive(WsRouteRuntime rt) {
            this.rt = rt;
        }

        @Override
        public HealthCheckResponse call() {
            DataPlane dp = rt.dataPlane();
            return alive(dp == null ? Duration.ZERO : dp.ioThreadSilence());
        }

        static HealthCheckResponse alive(Duration ioThreadSilence) {
            return HealthCheckResponse.named("wsroute-alive").withData("ioThreadSilenceSeconds", ioThreadSilence.toSeconds())
                    .status(ioThreadSilence.compareTo(WEDGED) < 0).build();
        }
    }
}

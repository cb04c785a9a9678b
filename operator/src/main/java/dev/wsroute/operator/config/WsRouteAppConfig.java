package dev.wsroute.operator.config;

import java.util.Optional;

import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The wsroute application's own settings, under {@code wsroute.} beside the extension's: which mode it runs in and
 * how it talks to Kubernetes. What a mode means for the data plane is in {@link ModeDefaults}.
 * <p>
 * Declared a run-time config root (listed in {@code META-INF/quarkus-config-roots.list}, as the extension processor
 * lists an extension's roots) because Quarkus checks every key under an extension's prefix, {@code wsroute}, against
 * config roots only: as a plain application mapping its keys were applied but each logged "Unrecognized
 * configuration key". A key that no mapping has still stops the start, naming it.
 */
@ConfigMapping(prefix = "wsroute")
@ConfigRoot(phase = ConfigPhase.RUN_TIME)
public interface WsRouteAppConfig {

    /** Where routes come from and which planes run: standalone, ingress, operator or sidecar. */
    @WithDefault("standalone")
    Mode mode();

    /** How the ingress, operator and sidecar modes talk to Kubernetes. */
    Kubernetes kubernetes();

    /** Sidecar mode. */
    Sidecar sidecar();

    /** The built-in demo (standalone mode without a routes file). */
    Demo demo();

    enum Mode {
        standalone, ingress, operator, sidecar
    }

    interface Kubernetes {
        /** Namespace to watch; default: all namespaces (ingress, operator), the pod's own namespace (sidecar). */
        Optional<String> namespace();

        /** Time changes are collected for before one new route table is built. */
        @WithDefault("50ms")
        java.time.Duration holdOff();

        /**
         * Least time between two status writes of one route: changes meanwhile (a rolling deploy's EndpointSlice
         * events) are written together, as they are at its end. The route table follows every change at once.
         */
        @WithDefault("1s")
        java.time.Duration statusInterval();

        /**
         * Status writes this process sends a second at most, across all routes, once its burst is used: many routes to
         * one big Service all change at each step of its rollout. Writes over the cap wait; each route's latest status
         * is written when its turn comes, the route written longest ago first. At least 0.0001 (a write every
         * 10,000 s).
         */
        @WithDefault("10")
        double statusWritesPerSecond();

        /** Status writes sent at once before {@code status-writes-per-second} holds (after a quiet spell); at least 1. */
        @WithDefault("20")
        int statusWriteBurst();

        /** Name of the Lease that elects the replica which writes status. */
        @WithDefault("wsroute-operator")
        String leaseName();

        /** Namespace of the Lease; default: the pod's own namespace. */
        Optional<String> leaseNamespace();

        /**
         * How long the Lease holds once renewed: another replica may take it when its holder has not renewed it for
         * this long (a pod that stops releases it at once). Longer than {@code lease-renew-deadline}; at least 1s.
         */
        @WithDefault("15s")
        java.time.Duration leaseDuration();

        /**
         * How long the holder keeps writing status without a renewal: it stops writing then, before the Lease is
         * another replica's to take. Longer than {@code lease-retry-period}; each Lease request may take half of it.
         */
        @WithDefault("10s")
        java.time.Duration leaseRenewDeadline();

        /** How often the holder renews the Lease, and the others try to take it. */
        @WithDefault("2s")
        java.time.Duration leaseRetryPeriod();

        /**
         * Whether replicas run for that Lease, so that one writes status; off only where a single replica runs
         * (tests). The identity in the Lease is the pod's name, {@code POD_NAME} (downward API).
         */
        @WithDefault("true")
        boolean leaderElection();
    }

    interface Sidecar {
        /** Port of the application container, which gets what no route claims in sidecar mode. */
        @WithDefault("8081")
        int appPort();
    }

    interface Demo {
        /** Port of the demo echo backend on 127.0.0.1 (0: any free port). */
        @WithDefault("0")
        int echoPort();
    }
}

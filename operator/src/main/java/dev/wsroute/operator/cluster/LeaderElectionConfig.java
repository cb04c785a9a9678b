package dev.wsroute.operator.cluster;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How the replicas of the application pick the one that writes status (ingress and operator modes). */
@ConfigMapping(prefix = "wsroute.leader-election")
public interface LeaderElectionConfig {
    /**
     * Whether replicas elect the status writer through a Lease ({@code wsroute.kubernetes.lease-name}); off only
     * where a single replica runs, as in tests.
     */
    @WithDefault("true")
    boolean enabled();
}

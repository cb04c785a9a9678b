package dev.wsroute.operator.cluster;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How the operator app talks to Kubernetes (ingress, operator and sidecar modes), under {@code wsroute.kubernetes.}. */
@ConfigMapping(prefix = "wsroute.kubernetes")
public interface KubernetesConfig {

    /** Namespace to watch; default: all namespaces (ingress, operator), the pod's own namespace (sidecar). */
    Optional<String> namespace();

    /** Time changes are collected for before one new route table is built. */
    @WithDefault("50ms")
    Duration holdOff();

    /** Name of the Lease that elects the replica which writes status. */
    @WithDefault("wsroute-operator")
    String leaseName();

    /** Namespace of the Lease; default: the pod's own namespace. */
    Optional<String> leaseNamespace();
}

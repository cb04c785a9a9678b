package dev.wsroute.operator.cluster;

import java.time.Duration;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import dev.wsroute.operator.crd.WebSocketRoute;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;

/**
 * A replica's first list of what its mode watches, tried until the API server answers it (away, slow, or RBAC not
 * granting the list yet): 0.5 s doubling up to 10 s between tries, one WARN per distinct reason, an INFO once listed.
 * Each try asks once first (a one-try list of each kind, limit 1) and starts the informers only if that worked, so
 * fabric8's informers do not log an ERROR per failed start. Meanwhile the replica runs, not ready
 * ({@code not synced yet}): no container restart whose back-off would outlast the outage.
 */
final class FirstList {
    private static final Logger LOG = Logger.getLogger(FirstList.class);
    private static final long FIRST_PAUSE_MILLIS = 500;
    private static final long MAX_PAUSE_MILLIS = 10_000;

    private final String mode;
    private final String meanwhile;
    private final String once;
    private final KubernetesClient k8s;
    private final KubernetesClient oneTry;
    private final ClusterCache.Scope scope;
    private final String namespace; // null: all namespaces
    private final Supplier<String> start;
    private String lastFailure;
    private volatile int tries; // read by tests
    private volatile boolean stopped;
    private long pauseMillis = FIRST_PAUSE_MILLIS;

    /**
     * @param mode who is listing, in the log lines ({@code sidecar}, {@code ingress}, {@code operator})
     * @param meanwhile what the replica does until listed, for the WARN
     * @param once what it does once listed, for the INFO
     * @param namespace null: all namespaces
     * @param start starts the informers and what runs on them: null once done (or stopping), else why not
     */
    FirstList(String mode, String meanwhile, String once, KubernetesClient k8s, ClusterCache.Scope scope, String namespace,
            Supplier<String> start) {
        this.mode = mode;
        this.meanwhile = meanwhile;
        this.once = once;
        this.k8s = k8s;
        this.oneTry = OneTryClient.of(k8s, Duration.ofSeconds(5));
        this.scope = scope;
        this.namespace = namespace;
        this.start = start;
    }

    /** One try: true once listed and started; else logged (a WARN if the reason is new). */
    boolean tryNow() {
        tries = tries + 1; // one thread tries
        String failure = canList();
        if (failure == null) {
            failure = start.get();
            if (failure == null) {
                if (tries > 1) {
                    LOG.infof("%s: listed %s from the API server %s after %d tries: %s", mode, kinds(), k8s.getMasterUrl(),
                            tries, once);
                }
                return true;
            }
        }
        if (stopped || Thread.currentThread().isInterrupted()) {
            return false; // stopping: what failed is likely the interrupt, nothing to warn of
        }
        if (!failure.equals(lastFailure)) {
            LOG.warnf("%s: cannot list %s from the API server %s (%s): not ready, %s; trying again", mode, kinds(),
                    k8s.getMasterUrl(), failure, meanwhile);
            lastFailure = failure;
        } else {
            LOG.debugf("%s: listing failed again (try %d): %s", mode, tries, failure);
        }
        return false;
    }

    /**
     * Tries until listed and started, pausing between tries; returns early once {@link #stop stopped} (the thread
     * interrupted too, so that a pause ends at once).
     */
    void untilListed() {
        while (!stopped && !tryNow()) {
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                return; // stopping
            }
            pauseMillis = Math.min(pauseMillis * 2, MAX_PAUSE_MILLIS);
        }
    }

    /** No more tries after the one under way, if any (a try under way that starts closes what it started). */
    void stop() {
        stopped = true;
    }

    /** How many tries so far. */
    int tries() {
        return tries;
    }

    private String kinds() {
        return switch (scope) {
            case FULL -> "routes, Services, EndpointSlices and Secrets";
            case ROUTES_AND_SECRETS -> "routes and Secrets";
            case ROUTES_ONLY -> "routes";
        };
    }

    /** Null if this client may list what the scope watches now, else why not. */
    private String canList() {
        try {
            list(oneTry.resources(WebSocketRoute.class));
            if (scope == ClusterCache.Scope.FULL) {
                list(oneTry.services());
                list(oneTry.discovery().v1().endpointSlices());
            }
            if (scope != ClusterCache.Scope.ROUTES_ONLY) {
                list(oneTry.secrets());
            }
            return null;
        } catch (RuntimeException e) {
            return rootMessage(e);
        }
    }

    private void list(MixedOperation<?, ?, ?> op) {
        ListOptions one = new ListOptionsBuilder().withLimit(1L).build();
        (namespace == null ? op.inAnyNamespace() : op.inNamespace(namespace)).list(one);
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}

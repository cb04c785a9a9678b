package dev.wsroute.operator.cluster;

import java.util.function.LongConsumer;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;

/**
 * The Lease lock of {@link StatusLease}, saying once what fabric8's elector would only log at every retry (that
 * category is off, its retries are noise while the API server is away): that RBAC refuses this replica the Lease,
 * so it will never write route status. Said once until that request is allowed again. It also tells when this
 * replica last renewed (or took) the Lease: fabric8's elector says so only when the holder changes.
 */
final class ReportingLeaseLock implements Lock {
    private static final Logger LOG = Logger.getLogger(StatusLease.class);

    private final LeaseLock lock;
    private final String namespace;
    private final String name;
    private final LongConsumer renewed;
    /** When the elector's latest try began ({@link System#nanoTime()}): its first request reads the Lease. */
    private volatile long tryStartedNanos;
    /** The request refused last, until it is allowed again: one error per refusal, not per retry. */
    private volatile String refused;

    /**
     * @param renewed told, after this replica wrote itself into the Lease as holder, when the try that did so began
     *        ({@link System#nanoTime()}): the Lease is its own from then for its duration, at the least
     */
    ReportingLeaseLock(String namespace, String name, String identity, LongConsumer renewed) {
        this.lock = new LeaseLock(namespace, name, identity);
        this.namespace = namespace;
        this.name = name;
        this.renewed = renewed;
    }

    @Override
    public LeaderElectionRecord get(KubernetesClient client) {
        tryStartedNanos = System.nanoTime();
        return call("get", () -> lock.get(client));
    }

    @Override
    public void create(KubernetesClient client, LeaderElectionRecord record) {
        call("create", () -> {
            lock.create(client, record);
            return null;
        });
        written(record);
    }

    @Override
    public void update(KubernetesClient client, LeaderElectionRecord record) {
        call("patch", () -> { // fabric8 renews with a JSON merge patch: RBAC's verb is patch
            lock.update(client, record);
            return null;
        });
        written(record);
    }

    private void written(LeaderElectionRecord record) {
        if (identity().equals(record.getHolderIdentity())) { // not a release
            renewed.accept(tryStartedNanos);
        }
    }

    @Override
    public String identity() {
        return lock.identity();
    }

    @Override
    public String describe() {
        return lock.describe();
    }

    private <T> T call(String verb, Supplier<T> request) {
        try {
            T answer = request.get();
            if (verb.equals(refused)) {
                refused = null;
                LOG.infof("the API server lets this replica use the Lease %s/%s again", namespace, name);
            }
            return answer;
        } catch (KubernetesClientException e) {
            if ((e.getCode() == 401 || e.getCode() == 403) && refused == null) {
                refused = verb;
                LOG.errorf("the API server refuses this replica to %s the Lease %s/%s (HTTP %d): it will not write route status "
                        + "until its service account may get, create and patch leases.coordination.k8s.io there "
                        + "(deploy/base/rbac-ingress.yaml)", verb, namespace, name, e.getCode());
            }
            throw e;
        }
    }
}

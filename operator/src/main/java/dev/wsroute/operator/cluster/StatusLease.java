package dev.wsroute.operator.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import dev.wsroute.operator.config.WsRouteAppConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;

/**
 * Elects the one replica that writes status: the holder of a Lease. Losing the Lease (another replica took it,
 * or it could not be renewed before the deadline, as when the API server is away) stops status writes at once;
 * the holder stops by its renew deadline, counted from the last renewal, whatever a request is doing then (a
 * renewal under way may take longer, and the Lease is another replica's to take once its duration has passed);
 * then this replica runs for the Lease again, so it takes part as soon as the API server is back. Nothing here
 * exits the process: shutting down releases the Lease so another replica takes over without waiting it out.
 */
final class StatusLease implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StatusLease.class);

    /**
     * How long a Lease holds, how long its holder keeps trying to renew, and how often anyone tries: the settings
     * {@code wsroute.kubernetes.lease-duration}, {@code lease-renew-deadline} and {@code lease-retry-period}, by default
     * Kubernetes' own controllers' 15 s, 10 s and 2 s ({@link dev.wsroute.operator.config.KubernetesSettingsCheck}
     * holds them to lease &gt; renew deadline &gt; retry, as client-go does).
     */
    record Timing(Duration lease, Duration renewDeadline, Duration retry) {
        static Timing of(WsRouteAppConfig.Kubernetes config) {
            return new Timing(config.leaseDuration(), config.leaseRenewDeadline(), config.leaseRetryPeriod());
        }
    }

    private final KubernetesClient client; // Lease requests only
    private final String namespace;
    private final String name;
    private final String identity;
    private final Timing timing;
    private final Runnable onWon;
    private final ScheduledExecutorService rerun = Daemons.single("wsroute-status-lease");
    private volatile boolean holding;
    /** When the try that last renewed (or took) the Lease began ({@link System#nanoTime()}). */
    private volatile long renewedNanos;
    private volatile boolean closed;
    private volatile String holder;
    private CompletableFuture<?> election;

    /** @param onWon called each time this replica wins the Lease (writes may start) */
    StatusLease(KubernetesClient client, String namespace, String name, String identity, Timing timing, Runnable onWon) {
        // each request once, bounded so that a read and a renewal fit in the renew deadline: fabric8's own resending
        // (about 19 s) would hold a renewal, and the elector's look at its deadline, far past the Lease's duration
        this.client = OneTryClient.of(client, timing.renewDeadline().dividedBy(2));
        this.namespace = namespace;
        this.name = name;
        this.identity = identity;
        this.timing = timing;
        this.onWon = onWon;
    }

    /**
     * Who this replica is in the Lease: the pod's name where the Deployment passes it (downward API, POD_NAME),
     * else the host name with a random suffix, so two processes on one host never share an identity.
     */
    static String identity(Optional<String> podName) {
        return podName.filter(s -> !s.isBlank()).orElseGet(() -> {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "wsroute";
            }
            return host + "_" + UUID.randomUUID();
        });
    }

    StatusLease start() {
        LOG.infof("running for the Lease %s/%s as %s (its holder writes route status)", namespace, name, identity);
        runForLease();
        return this;
    }

    /** Whether this replica holds the Lease now, renewed within the renew deadline: asked before every status write. */
    boolean holding() {
        return holding && !closed && renewedInTime();
    }

    private boolean renewedInTime() {
        return System.nanoTime() - renewedNanos < timing.renewDeadline().toNanos();
    }

    private void renewed(long tryStartedNanos) {
        boolean late = holding && !renewedInTime();
        renewedNanos = tryStartedNanos;
        if (late) {
            // nobody took it meanwhile (the renewal would have been refused): writes resume, compared afresh
            LOG.infof("renewed the Lease %s/%s after its renew deadline: this replica writes route status again",
                    namespace, name);
            onWon.run();
        }
    }

    /** The holder last seen, if any. */
    Optional<String> holder() {
        return Optional.ofNullable(holder);
    }

    String identity() {
        return identity;
    }

    private synchronized void runForLease() {
        if (closed) {
            return;
        }
        // an elector runs once: a new one for each round
        election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(name)
                .withLock(new ReportingLeaseLock(namespace, name, identity, this::renewed))
                .withLeaseDuration(timing.lease())
                .withRenewDeadline(timing.renewDeadline())
                .withRetryPeriod(timing.retry())
                .withReleaseOnCancel()
                .withLeaderCallbacks(new LeaderCallbacks(this::won, this::lost, this::newHolder))
                .build()).build().start();
    }

    private void won() {
        holding = true;
        LOG.infof("holding the Lease %s/%s: this replica writes route status", namespace, name);
        onWon.run();
    }

    private void lost() {
        holding = false;
        if (closed) {
            return;
        }
        LOG.warnf("lost the Lease %s/%s: status writes stop here; running for it again", namespace, name);
        rerun.schedule(this::runForLease, timing.retry().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void newHolder(String id) {
        holder = id;
        if (id != null && !id.equals(identity)) {
            LOG.infof("route status is written by %s, the holder of the Lease %s/%s", id, namespace, name);
        }
    }

    /** Stops running and releases the Lease if held, waiting at most a few seconds for the API server to answer. */
    @Override
    public void close() {
        CompletableFuture<?> e;
        synchronized (this) {
            closed = true;
            e = election;
        }
        rerun.shutdownNow();
        if (e != null) {
            // cancelling releases the Lease on this thread: don't let a missing API server hold up shutdown
            CompletableFuture.runAsync(() -> e.cancel(true)).completeOnTimeout(null, 3, TimeUnit.SECONDS).join();
        }
        holding = false;
    }
}

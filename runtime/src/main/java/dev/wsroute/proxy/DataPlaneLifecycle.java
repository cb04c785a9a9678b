package dev.wsroute.proxy;

import java.util.concurrent.TimeUnit;

import dev.wsroute.lifecycle.ActiveProber;
import dev.wsroute.lifecycle.BriefSessions;
import dev.wsroute.lifecycle.HealthMetrics;
import dev.wsroute.lifecycle.HealthRegistry;
import dev.wsroute.lifecycle.LifecycleHooks;
import dev.wsroute.metrics.Meters;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * The socket-lifecycle side of a data plane (CONTRACT "Lifecycle"): endpoint health (active probes from the data
 * plane's own event loops, passive ejection from what its dialer sees) plugged into the dialer, and rebalancing,
 * both following the route tables. Lifetimes, message limits and handshake rates live in the tunnels and the
 * admission of upgrades.
 */
final class DataPlaneLifecycle implements AutoCloseable {
    /** Probes in flight per replica, whatever the number of endpoints. */
    static final int MAX_PROBES_IN_FLIGHT = 64;

    final HealthRegistry health;
    private final ActiveProber prober;
    private final Rebalancer rebalancer;
    private ScheduledFuture<?> healthTick;
    private ScheduledFuture<?> rebalanceTick;

    DataPlaneLifecycle(ProxyContext px, Transport transport, Meters meters, HealthRegistry health) {
        this.health = health;
        health.addListener(new HealthMetrics(meters));
        prober = new ActiveProber(new Bootstrap().channelFactory(transport::newChannel), transport.group(), MAX_PROBES_IN_FLIGHT,
                health::pool);
        health.useProber(prober);
        BriefSessions briefSessions = new BriefSessions(System::nanoTime);
        LifecycleHooks hooks = new LifecycleHooks(health, briefSessions);
        px.dialer.health = hooks;
        px.dialer.listener = hooks;
        rebalancer = new Rebalancer(px.tunnels, px.dialer, briefSessions);
        px.tables.onSwap((old, fresh) -> health.tableChanged(fresh));
        health.tableChanged(px.tables.current());
    }

    /** Starts the clocks: ends of ejections once a second, rebalancing every {@link Rebalancer#TICK_MILLIS}. */
    void start(EventLoop loop) {
        healthTick = loop.scheduleAtFixedRate(health::tick, 1, 1, TimeUnit.SECONDS);
        rebalanceTick = loop.scheduleAtFixedRate(() -> rebalancer.tick(System.nanoTime()), Rebalancer.TICK_MILLIS,
                Rebalancer.TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** How many times the rebalancer counted the open sockets (tests). */
    long rebalanceCounts() {
        return rebalancer.counts();
    }

    @Override
    public void close() {
        if (healthTick != null) {
            healthTick.cancel(false);
            rebalanceTick.cancel(false);
        }
        prober.close();
    }
}

package dev.wsroute.lifecycle;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.jboss.logging.Logger;

import dev.wsroute.log.LogThrottle;
import dev.wsroute.table.RuleKey;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * Runs the active health checks of every rule from the data plane's own event loops. Each endpoint is probed once
 * per interval, never with two probes out at once: a round whose previous probe is still out (a timeout as long as
 * the interval, a loop that stalled) starts when that one ends. Run at a fixed rate instead, an endpoint that never
 * answered had two probes out (after a stall, one per missed round), whose failures landed together. The endpoints
 * of a pool start at evenly spread offsets within the interval, so a pool's probes never go out all at once. At most
 * {@code maxInFlight} probes run at a time: a probe that would exceed it is skipped for that round (it is neither a
 * pass nor a failure), as is one that finds no socket for its connection.
 */
public final class ActiveProber implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ActiveProber.class);
    private final Bootstrap bootstrap;
    private final EventLoopGroup group;
    private final int maxInFlight;
    private final Function<RuleKey, PoolHealth> health;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong probes = new AtomicLong();
    private final AtomicInteger mostInFlight = new AtomicInteger();
    private final LogThrottle noSocketLog = new LogThrottle(System::nanoTime);
    private final LogThrottle notStartedLog = new LogThrottle(System::nanoTime);
    private final Map<HealthProbe.Target, Probing> scheduled = new HashMap<>();
    private boolean closed;

    /**
     * @param bootstrap channel class and options for probe connections (the data plane's upstream bootstrap)
     * @param health the health of a rule's pool, looked up when a probe ends (null once the rule is gone)
     */
    public ActiveProber(Bootstrap bootstrap, EventLoopGroup group, int maxInFlight, Function<RuleKey, PoolHealth> health) {
        this.bootstrap = bootstrap;
        this.group = group;
        this.maxInFlight = maxInFlight;
        this.health = health;
    }

    /** The probes a new table asks for: unchanged targets keep their schedule, others start or stop. */
    public synchronized void update(List<HealthProbe.Target> targets) {
        if (closed) {
            return;
        }
        Map<HealthProbe.Target, Boolean> wanted = new HashMap<>();
        targets.forEach(t -> wanted.put(t, true));
        scheduled.entrySet().removeIf(e -> {
            if (!wanted.containsKey(e.getKey())) {
                e.getValue().stop();
                return true;
            }
            return false;
        });
        Map<RuleKey, List<HealthProbe.Target>> byRule = new HashMap<>();
        for (HealthProbe.Target t : targets) {
            byRule.computeIfAbsent(t.rule(), k -> new ArrayList<>()).add(t);
        }
        for (List<HealthProbe.Target> pool : byRule.values()) {
            long interval = pool.get(0).check().interval().toNanos();
            long offset = ThreadLocalRandom.current().nextLong(Math.max(1, interval / Math.max(1, pool.size())));
            for (int i = 0; i < pool.size(); i++) {
                HealthProbe.Target t = pool.get(i);
                if (scheduled.containsKey(t)) {
                    continue;
                }
                long delay = offset + interval * i / pool.size();
                Probing p = new Probing(group.next(), t);
                scheduled.put(t, p);
                p.schedule(delay);
            }
        }
    }

    /** The probes of one endpoint: each round is scheduled once the previous one is over. */
    private final class Probing {
        private final EventLoop loop;
        private final HealthProbe.Target t;
        private volatile boolean stopped;
        private volatile ScheduledFuture<?> next;

        Probing(EventLoop loop, HealthProbe.Target t) {
            this.loop = loop;
            this.t = t;
        }

        void schedule(long delayNanos) {
            if (stopped || loop.isShuttingDown()) {
                return;
            }
            ScheduledFuture<?> f = loop.schedule(this::round, delayNanos, TimeUnit.NANOSECONDS);
            next = f;
            if (stopped) { // stop() ran meanwhile and may have missed it
                f.cancel(false);
            }
        }

        void stop() {
            stopped = true;
            ScheduledFuture<?> f = next;
            if (f != null) {
                f.cancel(false);
            }
        }

        private void round() {
            if (stopped) {
                return;
            }
            long interval = t.check().interval().toNanos();
            long start = System.nanoTime();
            int nowInFlight = inFlight.incrementAndGet();
            if (nowInFlight > maxInFlight) {
                inFlight.decrementAndGet();
                skipped.incrementAndGet();
                schedule(interval);
                return;
            }
            probes.incrementAndGet();
            // this probe's own count: re-reading would see another loop's increment made over the bound and about to be undone
            mostInFlight.accumulateAndGet(nowInFlight, Math::max);
            Promise<String> outcome;
            try {
                outcome = HealthProbe.run(bootstrap, loop, t);
            } catch (RuntimeException | LinkageError e) { // wsroute's own failure, not the endpoint's: the rounds go on
                inFlight.decrementAndGet();
                notStarted(e);
                schedule(interval);
                return;
            }
            outcome.addListener(f -> {
                inFlight.decrementAndGet();
                String failure = (String) f.getNow();
                if (failure == HealthProbe.NO_SOCKET) { // as a skipped round: the endpoint's health stays as it was
                    noSocket();
                } else if (!stopped) { // else the endpoint or its check went meanwhile: the outcome is not theirs
                    PoolHealth pool = health.apply(t.rule());
                    if (pool != null) {
                        pool.probed(t.endpoint(), failure == null, failure);
                    }
                }
                schedule(Math.max(0, start + interval - System.nanoTime()));
            });
        }
    }

    /**
     * A probe found no socket: one WARN line, then at most one a minute with the count. Before, it failed as if the
     * endpoint had: at the open-files limit every checked endpoint went unhealthy and its rule failed open.
     */
    private void noSocket() {
        long n = noSocketLog.count();
        if (n > 0) {
            LOG.warnf("health probes found no socket for their connection (the open-files limit is reached): %d since the last"
                    + " such line, neither passes nor failures (the endpoints' health stays as it was); raise the limit (ulimit -n)"
                    + " or lower wsroute.limits.max-connections", n);
        }
    }

    /**
     * A probe could not start (a class that does not load at the open-files limit, say): neither a pass nor a failure,
     * one WARN line, then at most one a minute with the count. Before, the endpoint's rounds ended there for good, and
     * the probe kept its place among the {@code maxInFlight}: silently, no endpoint was probed any more.
     */
    private void notStarted(Throwable e) {
        long n = notStartedLog.count();
        if (n > 0) {
            LOG.warnf(e, "health probes could not start: %d since the last such line, neither passes nor failures (the"
                    + " endpoints' health stays as it was; they are tried again at their next round)", n);
        }
    }

    /** Probes started so far. */
    public long probes() {
        return probes.get();
    }

    /** Rounds skipped because {@code maxInFlight} probes were running. */
    public long skipped() {
        return skipped.get();
    }

    /** Endpoints being probed. */
    public synchronized int scheduled() {
        return scheduled.size();
    }

    /** The most probes that ran at once so far. */
    public int mostInFlight() {
        return mostInFlight.get();
    }

    @Override
    public synchronized void close() {
        closed = true;
        scheduled.values().forEach(Probing::stop);
        scheduled.clear();
    }
}

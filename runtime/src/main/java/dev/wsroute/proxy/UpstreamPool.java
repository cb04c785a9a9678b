package dev.wsroute.proxy;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import dev.wsroute.table.Endpoint;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * Idle keep-alive connections to upstreams for plain HTTP, one pool per event loop: a connection is only reused
 * by clients of its own loop, so no locks and no cross-thread hand-off. A parked connection is guarded by its
 * {@link UpstreamHttpHandler}. Two bounds, as nginx's {@code keepalive} cache has one: per endpoint, and per loop its
 * share of the process's {@code wsroute.upstream.max-idle} (which the open-files budget keeps descriptors for); see
 * {@link #release}. Idle ones above what the load needs leave by their idle deadline.
 */
final class UpstreamPool {
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final int maxIdlePerEndpoint;
    private final int maxIdlePerLoop;
    private final FastThreadLocal<LoopIdle> idle = new FastThreadLocal<>() {
        @Override
        protected LoopIdle initialValue() {
            return new LoopIdle();
        }
    };

    /** @param maxIdle idle connections of the whole process, shared evenly by its {@code loops} I/O threads */
    UpstreamPool(int maxIdlePerEndpoint, int maxIdle, int loops) {
        this.maxIdlePerEndpoint = maxIdlePerEndpoint;
        this.maxIdlePerLoop = (maxIdle + loops - 1) / loops;
    }

    /** An idle connection to this endpoint owned by the calling event loop, or null. */
    Channel poll(Endpoint e) {
        IdleQueue q = idle.get().byEndpoint.get(e.key());
        if (q == null) {
            return null;
        }
        for (UpstreamHttpHandler h = q.pollNewest(); h != null; h = q.pollNewest()) {
            if (h.channel().isActive()) {
                return h.channel(); // the exchange attaches itself to the connection's handler
            }
        }
        return null;
    }

    /**
     * After a table swap: on each loop, idle connections to endpoints no pool lists any more (rolled pods) close and
     * their queues go, so the pool does not keep an empty queue per pod ever seen. {@code listed} is not changed.
     */
    void retain(Set<String> listed, Iterable<EventExecutor> loops) {
        for (EventExecutor loop : loops) {
            try {
                loop.execute(() -> {
                    if (idle.isSet()) {
                        idle.get().byEndpoint.entrySet().removeIf(e -> {
                            if (listed.contains(e.getKey())) {
                                return false;
                            }
                            e.getValue().all().forEach(Channel::close); // each leaves its queue as it closes
                            return true;
                        });
                    }
                });
            } catch (RejectedExecutionException shuttingDown) {
                return; // the data plane is stopping: its loops close every connection
            }
        }
    }

    /** The endpoints the loops keep a queue for (tests). */
    Set<String> queued(Iterable<EventExecutor> loops) throws Exception {
        Set<String> all = new HashSet<>();
        for (EventExecutor loop : loops) {
            all.addAll(loop.submit(() -> idle.isSet() ? Set.copyOf(idle.get().byEndpoint.keySet()) : Set.<String>of()).get());
        }
        return all;
    }

    /**
     * Parks a connection whose last exchange ended cleanly. Above its endpoint's bound it closes; at the loop's share
     * of max-idle the loop's least recently parked connection closes to make room (as nginx's {@code keepalive} cache
     * does), so a busy endpoint does not churn while another endpoint's idle connections wait for their deadline.
     */
    void release(Endpoint e, UpstreamHttpHandler h) {
        LoopIdle loop = idle.get();
        IdleQueue q = loop.byEndpoint.computeIfAbsent(e.key(), k -> new IdleQueue(loop));
        if (!h.channel().isActive() || q.size() >= maxIdlePerEndpoint || maxIdlePerLoop == 0) {
            h.channel().close();
            return;
        }
        if (loop.count >= maxIdlePerLoop) {
            loop.oldest.retire();
        }
        h.park(q, IDLE_NANOS);
        q.add(h);
    }

    /** One loop's idle connections: by endpoint key, and all of them in the order they were parked. */
    private static final class LoopIdle {
        final Map<String, IdleQueue> byEndpoint = new HashMap<>();
        UpstreamHttpHandler oldest;
        UpstreamHttpHandler newest;
        int count;

        void link(UpstreamHttpHandler h) {
            h.parkedBefore = newest;
            if (newest == null) {
                oldest = h;
            } else {
                newest.parkedAfter = h;
            }
            newest = h;
            count++;
        }

        void unlink(UpstreamHttpHandler h) {
            if (h.parkedBefore == null) {
                oldest = h.parkedAfter;
            } else {
                h.parkedBefore.parkedAfter = h.parkedAfter;
            }
            if (h.parkedAfter == null) {
                newest = h.parkedBefore;
            } else {
                h.parkedAfter.parkedBefore = h.parkedBefore;
            }
            h.parkedBefore = null;
            h.parkedAfter = null;
            count--;
        }
    }

    /** One endpoint's idle connections on one loop, the most recently parked last (taken first: the others age out). */
    static final class IdleQueue {
        private final ArrayDeque<UpstreamHttpHandler> parked = new ArrayDeque<>();
        private final LoopIdle loop;

        private IdleQueue(LoopIdle loop) {
            this.loop = loop;
        }

        private void add(UpstreamHttpHandler h) {
            parked.addLast(h);
            loop.link(h);
        }

        private UpstreamHttpHandler pollNewest() {
            UpstreamHttpHandler h = parked.pollLast();
            if (h != null) {
                loop.unlink(h);
            }
            return h;
        }

        /** A parked connection leaves (it closed, its deadline passed, or it made room). */
        void remove(UpstreamHttpHandler h) {
            if (parked.remove(h)) {
                loop.unlink(h);
            }
        }

        private int size() {
            return parked.size();
        }

        private List<Channel> all() {
            return parked.stream().map(UpstreamHttpHandler::channel).toList();
        }
    }
}

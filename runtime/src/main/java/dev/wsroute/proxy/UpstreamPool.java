package dev.wsroute.proxy;

import java.util.ArrayDeque;
import java.util.HashMap;
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
 * {@link UpstreamHttpHandler}.
 */
final class UpstreamPool {
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final int maxIdlePerEndpoint;
    private final FastThreadLocal<Map<String, ArrayDeque<Channel>>> idle = new FastThreadLocal<>() {
        @Override
        protected Map<String, ArrayDeque<Channel>> initialValue() {
            return new HashMap<>();
        }
    };

    UpstreamPool(int maxIdlePerEndpoint) {
        this.maxIdlePerEndpoint = maxIdlePerEndpoint;
    }

    /** An idle connection to this endpoint owned by the calling event loop, or null. */
    Channel poll(Endpoint e) {
        ArrayDeque<Channel> q = idle.get().get(e.key());
        while (q != null && !q.isEmpty()) {
            Channel ch = q.pollLast();
            if (ch.isActive()) {
                return ch; // the exchange attaches itself to the connection's handler
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
                        idle.get().entrySet().removeIf(e -> {
                            if (listed.contains(e.getKey())) {
                                return false;
                            }
                            List.copyOf(e.getValue()).forEach(Channel::close); // each leaves its queue as it closes
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
        Set<String> all = new java.util.HashSet<>();
        for (EventExecutor loop : loops) {
            all.addAll(loop.submit(() -> idle.isSet() ? Set.copyOf(idle.get().keySet()) : Set.<String>of()).get());
        }
        return all;
    }

    /** Parks a connection whose last exchange ended cleanly; closes it when the pool is full. */
    void release(Endpoint e, Channel ch) {
        ArrayDeque<Channel> q = idle.get().computeIfAbsent(e.key(), k -> new ArrayDeque<>());
        if (!ch.isActive() || q.size() >= maxIdlePerEndpoint) {
            ch.close();
            return;
        }
        UpstreamHttpHandler.of(ch).park(q, IDLE_NANOS);
        q.addLast(ch);
    }
}

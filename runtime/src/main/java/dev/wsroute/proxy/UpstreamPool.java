package dev.wsroute.proxy;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.wsroute.table.Endpoint;
import io.netty.channel.Channel;
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

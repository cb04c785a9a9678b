package dev.wsroute.proxy;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.wsroute.table.Endpoint;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * Idle keep-alive connections to upstreams for plain HTTP, one pool per event loop: a connection is only reused
 * by clients of its own loop, so no locks and no cross-thread hand-off.
 */
final class UpstreamPool {
    private static final long IDLE_SECONDS = 30;

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
                ch.pipeline().remove(IdleGuard.class);
                ch.pipeline().remove("pool-idle");
                return ch;
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
        ch.pipeline().addLast("pool-idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS));
        ch.pipeline().addLast(new IdleGuard(q));
        q.addLast(ch);
        ch.read(); // notice a close by the upstream while parked
    }

    /** While parked: any byte, close or idle timeout retires the connection. */
    private static final class IdleGuard extends ChannelInboundHandlerAdapter {
        private final ArrayDeque<Channel> queue;

        IdleGuard(ArrayDeque<Channel> queue) {
            this.queue = queue;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            retire(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            queue.remove(ctx.channel());
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent || evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                retire(ctx);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            retire(ctx);
        }

        private void retire(ChannelHandlerContext ctx) {
            queue.remove(ctx.channel());
            ctx.close();
        }
    }
}

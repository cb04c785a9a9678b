package dev.wsroute.proxy;

import org.jboss.logging.Logger;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.timeout.IdleStateEvent;

/** One side of a {@link Tunnel}: hands each buffer to the tunnel as it was read, without copying or decoding it. */
final class TunnelHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(TunnelHandler.class);

    private final Tunnel tunnel;
    private final boolean clientSide;

    TunnelHandler(Tunnel tunnel, boolean clientSide) {
        this.tunnel = tunnel;
        this.clientSide = clientSide;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            tunnel.relay(clientSide, buf);
        } else {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        tunnel.readComplete(clientSide);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        tunnel.writabilityChanged(clientSide, ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            tunnel.inputShutdown(clientSide);
        } else if (evt instanceof IdleStateEvent) {
            tunnel.closeWith(CloseFrames.GOING_AWAY, "idle timeout");
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debugf("tunnel %s side failed: %s", clientSide ? "client" : "upstream", cause.toString());
        ctx.close();
    }
}

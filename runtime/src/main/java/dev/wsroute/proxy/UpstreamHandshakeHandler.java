package dev.wsroute.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;

/** Upstream side of an {@link UpgradeHandshake}: hands it the answer head, any body, and raw bytes after a 101. */
final class UpstreamHandshakeHandler extends ChannelInboundHandlerAdapter {
    private final UpgradeHandshake handshake;

    UpstreamHandshakeHandler(UpgradeHandshake handshake) {
        this.handshake = handshake;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpResponse r) {
            if (r.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                handshake.upstreamFailed(ctx.channel(), r.decoderResult().cause());
                return;
            }
            handshake.response(r);
            if (msg instanceof HttpContent c) { // a full response: its body goes the same way
                handshake.responseContent(c);
            }
        } else if (msg instanceof HttpContent c) {
            handshake.responseContent(c);
        } else if (msg instanceof ByteBuf b) {
            handshake.upstreamBytes(b);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read(); // still waiting for (the rest of) the answer head
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handshake.upstreamClosed(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        handshake.upstreamFailed(ctx.channel(), cause);
    }
}

package dev.wsroute.proxy;

import dev.wsroute.http.SwitchingProtocolsHead;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;

/**
 * Upstream side of an {@link UpgradeHandshake}, the only handler of its connection (after TLS, if any). A clean
 * 101 head is found in the raw bytes and relayed as it came ({@link SwitchingProtocolsHead}): no HTTP codec is
 * added or removed. Any other answer goes to an HTTP decoder put in front of this handler for it, which hands on
 * the answer head, any body, and raw bytes after an odd 101.
 */
final class UpstreamHandshakeHandler extends ChannelInboundHandlerAdapter {
    private final UpgradeHandshake handshake;
    /** The start of an answer head split across reads. */
    private ByteBuf partial;
    /** The answer is not a clean 101: an HTTP decoder reads it. */
    private boolean decoding;

    UpstreamHandshakeHandler(UpgradeHandshake handshake) {
        this.handshake = handshake;
    }

    /** Not {@code @Sharable}, said as a constant: Netty's own answer is a per-thread map look-up by class, at every add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!decoding && msg instanceof ByteBuf b) {
            answerBytes(ctx, b);
        } else if (msg instanceof HttpResponse r) {
            if (r.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                handshake.upstreamFailed(ctx.channel(), r.decoderResult().cause(), true);
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

    private void answerBytes(ChannelHandlerContext ctx, ByteBuf b) throws Exception {
        ByteBuf in = partial == null ? b : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), partial, b);
        partial = null;
        int length = SwitchingProtocolsHead.length(in);
        if (length == SwitchingProtocolsHead.INCOMPLETE) {
            partial = in;
        } else if (length > 0) {
            handshake.switched(in.readRetainedSlice(length), in);
        } else {
            decoding = true;
            HttpClientCodec codec = new HttpClientCodec(4096, SwitchingProtocolsHead.MAX_HEAD, 8192);
            ctx.pipeline().addBefore(ctx.name(), "http", codec);
            codec.channelRead(ctx.pipeline().context(codec), in); // what was read so far, then the rest as it comes
        }
    }

    /** Whether any byte of the upstream's answer came. */
    private boolean answerStarted() {
        return partial != null || decoding;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read(); // still waiting for (the rest of) the answer head
        }
    }

    /**
     * The upstream sent FIN (its channel allows half-closure, for the tunnel): it will send no answer, or no more of
     * the one it started. An HTTP decoder in front of this handler has ended what it read by then (a body read until
     * the close). Closing the connection ends the handshake as an upstream close does, instead of waiting for the
     * handshake timeout.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            ctx.close(); // its own event: at once
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handshake.upstreamClosed(ctx.channel(), answerStarted());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        handshake.upstreamFailed(ctx.channel(), cause, answerStarted());
    }
}

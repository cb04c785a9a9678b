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
 * The only stage of an upstream WebSocket connection (after TLS, if any), for its whole life: the upstream side of an
 * {@link UpgradeHandshake} until the upgrade is answered, then, where it stands, the host of the tunnel's upstream
 * {@link TunnelSide}, which gets every event from then on (no pipeline change at the upgrade). A clean 101 head is
 * found in the raw bytes and relayed as it came ({@link SwitchingProtocolsHead}): no HTTP codec is added or removed.
 * Any other answer goes to an HTTP decoder put in front of this handler for it, which hands on the answer head, any
 * body, and raw bytes after an odd 101.
 */
final class UpstreamWebSocketHandler extends ChannelInboundHandlerAdapter implements TunnelSide.Host {
    /** The handshake until the tunnel starts (then null: an open WebSocket keeps nothing of it). */
    private UpgradeHandshake handshake;
    /** The tunnel's upstream side, once it started. */
    private TunnelSide side;
    /** The start of an answer head split across reads. */
    private ByteBuf partial;
    /** The answer is not a clean 101: an HTTP decoder reads it. */
    private boolean decoding;

    UpstreamWebSocketHandler(UpgradeHandshake handshake) {
        this.handshake = handshake;
    }

    @Override
    public void tunnelStarted(TunnelSide side) {
        this.side = side;
        handshake = null;
    }

    /** Not {@code @Sharable}, said as a constant: Netty's own answer is a per-thread map look-up by class, at every add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (side != null) { // the relay's path: one field and a direct call more than a side of its own in the pipeline
            side.read(msg);
        } else if (!decoding && msg instanceof ByteBuf b) {
            answerBytes(ctx, b);
        } else if (msg instanceof HttpResponse r) {
            if (r.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                handshake.upstreamFailed(ctx.channel(), r.decoderResult().cause(), true);
                return;
            }
            UpgradeHandshake h = handshake; // a 101 starts the tunnel in response(), which lets go of the handshake
            h.response(r);
            if (msg instanceof HttpContent c) { // a full response: its body goes the same way
                h.responseContent(c);
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
        if (side != null) {
            side.removed();
        }
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (side != null) {
            side.readComplete();
        } else if (!ctx.channel().config().isAutoRead()) {
            ctx.read(); // still waiting for (the rest of) the answer head
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (side != null) {
            side.writabilityChanged();
        } else {
            ctx.fireChannelWritabilityChanged();
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
        if (side != null) {
            side.userEvent(ctx, evt);
        } else if (evt instanceof ChannelInputShutdownEvent) {
            ctx.close(); // its own event: at once
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    /** Before the tunnel: the handshake's to handle. Then the side's close-future listener has it. */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (side == null) {
            handshake.upstreamClosed(ctx.channel(), answerStarted());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (side != null) {
            side.failed(cause);
        } else {
            handshake.upstreamFailed(ctx.channel(), cause, answerStarted());
        }
    }
}

package dev.wsroute.bench;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.URI;

/**
 * Client side of one WebSocket connection: sends the upgrade when the socket connects, checks the
 * 101 (Sec-WebSocket-Accept), then hands frames to a {@link WsListener}. Netty's handshaker puts a
 * masking frame encoder in the pipeline, so every frame the client sends is masked (RFC 6455 5.3).
 */
final class WsClientHandler extends ChannelInboundHandlerAdapter {
    private final WebSocketClientHandshaker handshaker;
    private final WsListener listener;
    private boolean open;
    private Throwable cause;

    WsClientHandler(URI uri, WsListener listener) {
        this.handshaker = WebSocketClientHandshakerFactory.newHandshaker(
                uri, WebSocketVersion.V13, null, false, EmptyHttpHeaders.INSTANCE, EchoBackend.MAX_FRAME);
        this.listener = listener;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        handshaker.handshake(ctx.channel());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!open) {
                if (!(msg instanceof FullHttpResponse)) {
                    throw new IllegalStateException("expected the upgrade response, got " + msg.getClass().getSimpleName());
                }
                handshaker.finishHandshake(ctx.channel(), (FullHttpResponse) msg);
                open = true;
                listener.onOpen(ctx.channel());
            } else if (msg instanceof WebSocketFrame) {
                listener.onFrame(ctx.channel(), (WebSocketFrame) msg);
            }
        } catch (RuntimeException e) {
            fail(ctx, e);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable e) {
        fail(ctx, e);
    }

    private void fail(ChannelHandlerContext ctx, Throwable e) {
        if (cause == null) {
            cause = e;
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        listener.onClosed(ctx.channel(), open, cause);
    }
}

package dev.wsroute.proxy;

import java.nio.channels.ClosedChannelException;

import dev.wsroute.tls.ClientAlert;
import dev.wsroute.tls.HandshakeFailure;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

/**
 * Behind the TLS stage: a failed handshake closes the connection quietly (clients probing with bad TLS are common)
 * but is counted, by a fixed reason, in {@code wsroute_tls_handshake_failures_total}. Netty reports one failure up to
 * three ways (a failed SNI event, a failed handshake event, the exception): the first is counted, the others not.
 * Its {@link #alertReader} goes before the TLS stage, to read a fatal alert the client sent in the clear. A client that
 * closes before its ClientHello is whole makes Netty report nothing: counted {@code closed} here when it had sent a
 * byte (one that sent none, a TCP health check, started no handshake).
 */
final class TlsFailureCounter extends ChannelInboundHandlerAdapter {
    private final ProxyMetrics metrics;
    /** The handshake succeeded, or its failure was counted. */
    private boolean settled;
    private int clientAlert = -1;
    /** The client sent at least one byte: a close from now on ends a handshake begun. */
    private boolean began;

    /** Before the TLS stage until the handshake succeeds: notes a fatal alert the client sends in the clear. */
    final ChannelHandler alertReader = new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (clientAlert == -1 && msg instanceof ByteBuf b) {
                began |= b.isReadable();
                clientAlert = ClientAlert.fatalAlert(b);
            }
            ctx.fireChannelRead(msg);
        }
    };

    TlsFailureCounter(ProxyMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!settled) {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                settle(ctx, done.isSuccess() ? null : done.cause());
            } else if (evt instanceof SniCompletionEvent sni && !sni.isSuccess()) {
                settle(ctx, sni.cause()); // a ClientHello timeout or no certificate: no handshake event follows
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!settled && began) {
            settle(ctx, new ClosedChannelException()); // mid-ClientHello: the SNI stage waits for the rest and says nothing
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!settled) {
            settle(ctx, cause);
        }
        ctx.close();
    }

    private void settle(ChannelHandlerContext ctx, Throwable failure) {
        settled = true;
        if (failure != null) {
            metrics.tlsHandshakeFailed(HandshakeFailure.of(failure, clientAlert));
        } else if (ctx.pipeline().context(alertReader) != null) {
            ctx.pipeline().remove(alertReader);
        }
    }
}

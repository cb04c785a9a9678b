package dev.wsroute.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SniHandler;
import dev.wsroute.http.ClientHttpCodec;
import dev.wsroute.tls.SniMapping;

/**
 * The pipeline of an accepted connection, named for what each stage does:
 * [sni-tls] → http → receiver; after an upgrade: tunnel, in the receiver's place (the HTTP codec gone). The receiver
 * keeps the request-head deadline ({@link RequestHeadTimeout}), which the codec tells when a head starts.
 */
final class ClientInitializer extends ChannelInitializer<SocketChannel> {
    private final ProxyContext px;
    private final boolean tls;

    ClientInitializer(ProxyContext px, boolean tls) {
        this.px = px;
        this.tls = tls;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (px.metrics.clientConnections().get() >= px.config.limits().maxConnections()) {
            ch.close(); // over the process-wide limit: refuse rather than run out of file descriptors
            return;
        }
        if (tls) {
            ch.pipeline().addLast("sni-tls", new SniHandler(new SniMapping(() -> px.tables.current().certificates())));
            ch.pipeline().addLast("tls-failure", new TlsFailureLogger());
        }
        int maxHead = px.config.limits().maxHeaderBytes();
        RequestHeadTimeout headTimeout = new RequestHeadTimeout(px.config.limits().requestHeaderTimeout(), px.config.limits().httpIdleTimeout());
        ch.pipeline().addLast("http", new ClientHttpCodec(maxHead, Math.min(8192, maxHead),
                px.config.limits().maxRequestBodySize().asLongValue(), headTimeout::headStarted));
        ch.pipeline().addLast("receiver", new ClientRequestReceiver(px, tls, headTimeout));
    }

    /** A failed TLS handshake closes the connection quietly (clients probing with bad TLS are common). */
    private static final class TlsFailureLogger extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}

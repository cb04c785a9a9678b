package dev.wsroute.proxy;

import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SniHandler;
import dev.wsroute.http.ClientHttpCodec;
import dev.wsroute.tls.SniMapping;

/**
 * The pipeline of an accepted connection, named for what each stage does:
 * [plain-http-on-tls → tls-alerts → sni-tls → tls-failure] → http → receiver; after an upgrade: tunnel, in the receiver's place (the HTTP codec
 * gone). With wsroute.listen.proxy-protocol: proxy-protocol-decoder → proxy-protocol until the header is read, and those
 * stages in their place after it ({@link ProxyProtocolStage}). The receiver keeps the request-head deadline ({@link RequestHeadTimeout}), which the codec tells when a head
 * starts; over TLS it starts once the handshake is done, whose own deadline tls-failure keeps ({@link TlsFailureCounter}).
 * <p>
 * Not a Netty {@code ChannelInitializer}: that one keeps every new channel in a concurrent set while it initialises
 * (an identity hash and two map updates per connection) and adds then removes itself. This one puts the codec in its
 * own place: two pipeline changes per connection. The server bootstrap adds it before registration, so Netty calls
 * {@link #handlerAdded} once the channel is registered, on its event loop, before any event.
 */
@ChannelHandler.Sharable
final class ClientInitializer extends ChannelHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(ClientInitializer.class);
    /**
     * The largest ClientHello the SNI stage gathers before it can choose a certificate (Netty's own default; real ones
     * take a few KiB). 0 would mean no bound: up to the 16 MiB the hello's length field can announce, held per
     * connection until the handshake deadline.
     */
    static final int MAX_CLIENT_HELLO = 64 * 1024;
    private final ProxyContext px;
    private final boolean tls;
    /** The peers a PROXY protocol header is taken from; null: wsroute.listen.proxy-protocol is off. */
    private final TrustedPeers proxyFrom;

    ClientInitializer(ProxyContext px, boolean tls) {
        this.px = px;
        this.tls = tls;
        this.proxyFrom = px.proxyProtocolFrom;
    }

    /**
     * {@code @Sharable} (one for every connection of a listener), said as a constant: Netty's own answer is a
     * per-thread map look-up by class, at every add (the server bootstrap adds it to each accepted connection).
     */
    @Override
    public boolean isSharable() {
        return true;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ChannelPipeline p = ctx.pipeline();
        try {
            // counted here, in one step with the check: a check here and a count later let each I/O thread take one more
            AtomicInteger open = px.metrics.clientConnections();
            if (open.incrementAndGet() > px.maxConnections) {
                open.decrementAndGet();
                px.metrics.refusedAtLimit(px.maxConnections);
                p.remove(this);
                ctx.channel().close(); // over the process-wide limit: refuse rather than run out of file descriptors
                return;
            }
            ctx.channel().closeFuture().addListener(px.clientClosed);
            if (proxyFrom != null) {
                proxyProtocolFirst(ctx, p);
                return;
            }
            p.replace(this, "http", addStages(p, ctx.name()));
        } catch (RuntimeException e) {
            LOG.warnf(e, "could not set up the pipeline of %s", ctx.channel());
            ctx.channel().close();
        }
    }

    /**
     * wsroute.listen.proxy-protocol: the header first, the usual stages once it is read ({@link ProxyProtocolStage});
     * a peer not allowed to send one is closed here, before anything is read from it.
     */
    private void proxyProtocolFirst(ChannelHandlerContext ctx, ChannelPipeline p) {
        if (!proxyFrom.allows(ctx.channel().remoteAddress())) {
            if (px.proxyProtocolOptional) { // its header is not taken: a direct client
                px.metrics.proxyProtocolAbsent();
                p.replace(this, "http", addStages(p, ctx.name()));
                return;
            }
            px.metrics.proxyProtocolFailed(ProxyProtocolStage.Failure.UNTRUSTED_PEER, ctx.channel().remoteAddress());
            p.remove(this);
            ctx.channel().close();
            return;
        }
        ProxyProtocolStage stage = new ProxyProtocolStage(px.metrics, px.config.limits().requestHeaderTimeout().toNanos(),
                px.proxyProtocolOptional, at -> at.pipeline().addAfter(at.name(), "http", addStages(at.pipeline(), at.name())));
        p.addBefore(ctx.name(), "proxy-protocol-decoder", stage.decoder);
        p.replace(this, "proxy-protocol", stage);
    }

    /**
     * The stages of a connection around the one named {@code at}: the TLS ones before it, the request receiver after it;
     * returns the HTTP codec, which goes in between (in {@code at}'s place, or right after it).
     */
    private ClientHttpCodec addStages(ChannelPipeline p, String at) {
        int maxHead = px.config.limits().maxHeaderBytes();
        if (tls) {
            // leaves at a TLS client's first byte
            p.addBefore(at, "plain-http-on-tls",
                    new PlainHttpOnTlsPort(maxHead, client -> refusedHead(client, 400, "plain HTTP sent to the HTTPS port")));
            // the handshake gets the header timeout (the ClientHello, then the rest): without one, Netty waits for
            // good, and the head deadline's 408 could only be queued behind a handshake that never ends. It is kept
            // on the loop's clock by the failure counter; the TLS stage gets none (0): Netty's would be a scheduled
            // task per connection for the hello, and another for the rest
            TlsFailureCounter failures = new TlsFailureCounter(px.metrics, px.config.limits().requestHeaderTimeout().toNanos());
            p.addBefore(at, "tls-alerts", failures.alertReader);
            p.addBefore(at, "sni-tls", new SniHandler(new SniMapping(() -> px.tables.current().certificates()),
                    MAX_CLIENT_HELLO, 0) {
                @Override
                public boolean isSharable() {
                    return false; // as Netty's: without its per-thread look-up, at construction and at the add
                }
            });
            p.addBefore(at, "tls-failure", failures);
        }
        RequestHeadTimeout headTimeout = new RequestHeadTimeout(px.config.limits().requestHeaderTimeout(), px.config.limits().httpIdleTimeout(),
                client -> refusedHead(client, 408, "request head not complete in time"));
        p.addAfter(at, "receiver", new ClientRequestReceiver(px, tls, headTimeout));
        return new ClientHttpCodec(maxHead, Math.min(8192, maxHead), px.config.limits().maxRequestBodySize().asLongValue(),
                headTimeout::headStarted);
    }

    /** Plain HTTP on the TLS port (400), a head not complete in time (408): counted and logged as any refused head. */
    private void refusedHead(SocketAddress client, int status, String why) {
        px.metrics.httpRequest(null, status);
        px.accessLog.refused(client, status, why);
    }
}

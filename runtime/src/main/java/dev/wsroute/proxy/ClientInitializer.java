package dev.wsroute.proxy;

import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import io.netty.channel.ChannelHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SniHandler;
import dev.wsroute.http.ClientHttpCodec;
import dev.wsroute.tls.SniMapping;

/**
 * The pipeline of an accepted connection, named for what each stage does:
 * [plain-http-on-tls → tls-alerts → sni-tls → tls-handshake] → http → receiver; after an upgrade the receiver alone, handing
 * every event to the tunnel's client side (the HTTP codec gone: the upgrade's one pipeline change). With wsroute.listen.proxy-protocol: proxy-protocol-decoder → proxy-protocol until the header is read, and those
 * stages in their place after it ({@link ProxyProtocolStage}). The receiver keeps the request-head deadline ({@link RequestHeadTimeout}), which the codec tells when a head
 * starts; over TLS it starts once the handshake is done, whose own deadline tls-handshake keeps ({@link TlsHandshakeCounter}).
 * <p>
 * Not a handler: {@link ClientAcceptor} calls {@link #init} on each accepted connection before registering it, which
 * adds the stages in their places (for ws:// two pipeline changes, codec and receiver). A handler in the pipeline that
 * replaces itself with them, as a Netty {@code ChannelInitializer} or the child handler of a server bootstrap, is one
 * change more per connection.
 */
final class ClientInitializer implements ClientAcceptor.Setup {
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
     * Sets up {@code ch}, accepted and not registered yet (its handlers' {@code handlerAdded} runs at registration, on
     * its event loop, before any event): counts it against wsroute.limits.max-connections and adds its stages; its
     * registration then goes to {@link #registered}. Returns false for a connection refused (over the limit; a peer not
     * allowed to send a PROXY header where one is required): not counted, for the caller to close before it reads anything.
     */
    @Override
    public boolean init(Channel ch) {
        boolean headerFirst = proxyFrom != null && proxyFrom.allows(ch.remoteAddress());
        if (proxyFrom != null && !headerFirst && !px.proxyProtocolOptional) {
            px.metrics.proxyProtocolFailed(ProxyProtocolStage.Failure.UNTRUSTED_PEER, ch.remoteAddress());
            return false;
        }
        // counted here, in one step with the check: a check here and a count later let each I/O thread take one more
        AtomicInteger open = px.metrics.clientConnections();
        if (open.incrementAndGet() > px.maxConnections) {
            open.decrementAndGet();
            px.metrics.refusedAtLimit(px.maxConnections);
            return false; // over the process-wide limit: refuse rather than run out of file descriptors
        }
        try {
            ChannelPipeline p = ch.pipeline();
            if (headerFirst) {
                proxyProtocolFirst(p);
            } else {
                if (proxyFrom != null) { // its header is not taken (wsroute.listen.proxy-protocol-optional): a direct client
                    px.metrics.proxyProtocolAbsent();
                }
                addStages(p, null);
            }
        } catch (RuntimeException e) {
            LOG.warnf(e, "could not set up the pipeline of %s", ch);
            open.decrementAndGet();
            return false;
        }
        return true;
    }

    /**
     * The registration of a connection {@link #init} set up: once registered, it leaves the count when it closes; a
     * registration that failed (its loop shut down) is closed here and leaves the count now. Not a listener added at
     * the accept: where the loop is gone, the listeners of its futures, which that loop would run, never do.
     */
    @Override
    public void registered(ChannelFuture registration) {
        Channel ch = registration.channel();
        if (registration.isSuccess()) {
            ch.closeFuture().addListener(px.clientClosed);
            return;
        }
        ch.unsafe().closeForcibly();
        px.metrics.clientConnections().decrementAndGet();
        LOG.warnf(registration.cause(), "could not register the accepted connection %s", ch);
    }

    /** wsroute.listen.proxy-protocol, from a peer allowed to send it: the header first, the usual stages once it is read. */
    private void proxyProtocolFirst(ChannelPipeline p) {
        ProxyProtocolStage stage = new ProxyProtocolStage(px.metrics, px.config.limits().requestHeaderTimeout().toNanos(),
                px.proxyProtocolOptional, at -> addStages(at.pipeline(), at.name()));
        p.addLast("proxy-protocol-decoder", stage.decoder);
        p.addLast("proxy-protocol", stage);
    }

    /**
     * Adds the stages of a connection around the one named {@code at}: the TLS ones before it, the HTTP codec and the
     * request receiver after it; {@code at} null: all of them at the end.
     */
    private void addStages(ChannelPipeline p, String at) {
        int maxHead = px.config.limits().maxHeaderBytes();
        if (tls) {
            // leaves at a TLS client's first byte
            before(p, at, "plain-http-on-tls",
                    new PlainHttpOnTlsPort(maxHead, client -> refusedHead(client, 400, "plain HTTP sent to the HTTPS port")));
            // the handshake gets the header timeout (the ClientHello, then the rest): without one, Netty waits for
            // good, and the head deadline's 408 could only be queued behind a handshake that never ends. It is kept
            // on the loop's clock by the handshake counter; the TLS stage gets none (0): Netty's would be a scheduled
            // task per connection for the hello, and another for the rest
            TlsHandshakeCounter handshake = new TlsHandshakeCounter(px.metrics, px.config.limits().requestHeaderTimeout().toNanos());
            before(p, at, "tls-alerts", handshake.alertReader);
            before(p, at, "sni-tls", new SniHandler(new SniMapping(() -> px.tables.current().certificates()),
                    MAX_CLIENT_HELLO, 0) {
                @Override
                public boolean isSharable() {
                    return false; // as Netty's: without its per-thread look-up, at construction and at the add
                }
            });
            before(p, at, "tls-handshake", handshake);
        }
        RequestHeadTimeout headTimeout = new RequestHeadTimeout(px.config.limits().requestHeaderTimeout(), px.config.limits().httpIdleTimeout(),
                client -> refusedHead(client, 408, "request head not complete in time"));
        ClientRequestReceiver receiver = new ClientRequestReceiver(px, tls, headTimeout);
        ClientHttpCodec codec = new ClientHttpCodec(maxHead, Math.min(8192, maxHead), px.config.limits().maxRequestBodySize().asLongValue(),
                headTimeout::headStarted);
        if (at == null) {
            p.addLast("http", codec);
            p.addLast("receiver", receiver);
        } else {
            p.addAfter(at, "receiver", receiver);
            p.addAfter(at, "http", codec);
        }
    }

    private static void before(ChannelPipeline p, String at, String name, ChannelHandler stage) {
        if (at == null) {
            p.addLast(name, stage);
        } else {
            p.addBefore(at, name, stage);
        }
    }

    /** Plain HTTP on the TLS port (400), a head not complete in time (408): counted and logged as any refused head. */
    private void refusedHead(SocketAddress client, int status, String why) {
        px.metrics.httpRequest(null, status);
        px.accessLog.refused(client, status, why);
    }
}

package dev.wsroute.proxy;

import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import dev.wsroute.http.WebSocket101;
import dev.wsroute.table.CompiledRule;
import dev.wsroute.table.Endpoint;
import dev.wsroute.tls.UpstreamHandlers;
import dev.wsroute.tls.UpstreamTlsFailureLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * One admitted WebSocket upgrade, from the moment the client's HTTP decoder is gone until the tunnel starts or the
 * client gets an error. The {@link UpstreamDialer} finds the upstream; bytes the client sent after its request
 * head are held until the upstream's 101 is accepted, then go upstream first, in order, as the tunnel's first bytes
 * (as nginx and HAProxy do): sent before it, they would reach an upstream that refuses the upgrade as the next
 * request on its connection — one no route, rewrite or forwarding field of the proxy ever applied to. The whole
 * handshake has a deadline. An endpoint that takes the upgrade and closes or resets before a byte of answer has the
 * upgrade sent to another pod, each at most once, within that deadline ({@link #sendAgain}); else the client gets 502.
 */
final class UpgradeHandshake implements UpstreamDialer.Owner {
    private static final Logger LOG = Logger.getLogger(UpgradeHandshake.class);
    /** Early bytes held before the 101, beyond which the client is not read until the tunnel starts. */
    private static final int MAX_EARLY_BYTES = 64 * 1024;

    private final ProxyContext px;
    private final ChannelHandlerContext client;
    private final AccessLog.Request request;
    private final HandshakeRewriter.UpstreamHead upstreamRequest;
    private final CompiledRule rule;
    private final String hashKey;
    private final long started = System.nanoTime();
    /** Bytes the client sent after its head, held until the 101; null until some come (most clients wait). */
    private List<ByteBuf> early;
    private int earlyBytes;
    private final LoopClock.Deadline deadline = new LoopClock.Deadline(this::timedOut);
    private LoopClock clock;
    private Channel upstream;
    private Endpoint endpoint; // held (counted in use) from connect until the tunnel takes it or the handshake ends
    private CompositeByteBuf upstreamEarly;
    private boolean answered; // a response (101 or other) started towards the client
    private boolean done;
    /** The dial that finds the upstream, to give up a connect under way when the handshake ends without it. */
    private UpstreamDialer.Dial dialing;
    /** Endpoints that took the upgrade and ended its connection without a byte of answer: not sent to again. */
    private List<Endpoint> unanswering;

    UpgradeHandshake(ProxyContext px, ChannelHandlerContext client, AccessLog.Request request, HandshakeRewriter.UpstreamHead upstreamRequest,
            CompiledRule rule, String hashKey) {
        this.px = px;
        this.client = client;
        this.request = request;
        this.upstreamRequest = upstreamRequest;
        this.rule = rule;
        this.hashKey = hashKey;
    }

    void start() {
        clock = LoopClock.of(client.channel().eventLoop());
        clock.arm(deadline, rule.rule().handshakeTimeout().toNanos());
        dialing = px.dialer.dial(client.channel().eventLoop(), rule.pool(), hashKey, rule.upstreamTls(), false, this);
    }

    private void timedOut() {
        if (dialing != null) { // still connecting: a pod that drops connection attempts must count, or it is never ejected
            dialing.ownerTimedOut();
        }
        unanswered(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream did not answer the upgrade in " + rule.rule().handshakeTimeout().toMillis() + " ms");
    }

    /** Bytes the client sent after its upgrade request, before any answer: held until the 101. */
    void clientBytes(ByteBuf buf) {
        if (done) {
            buf.release();
        } else {
            if (early == null) {
                early = new ArrayList<>(2);
            }
            early.add(buf);
            earlyBytes += buf.readableBytes();
            if (earlyBytes > MAX_EARLY_BYTES) {
                client.channel().config().setAutoRead(false); // the tunnel turns reading back on
            }
        }
    }

    // --- UpstreamDialer.Owner ---

    @Override
    public boolean abandoned() {
        return done;
    }

    @Override
    public void initChannel(ChannelPipeline p) {
        // no HTTP codec: the head goes out as bytes, a 101 comes back as bytes; the stage stays for the tunnel's upstream side
        p.addLast("websocket", new UpstreamWebSocketHandler(this));
    }

    @Override
    public boolean readsOnceConnected() {
        return true; // connected() turns reading on at once
    }

    @Override
    public void connected(Channel ch, Endpoint e, boolean reused) {
        dialing = null; // the dial is over: nothing left to abandon, nothing of it held
        upstream = ch;
        endpoint = e;
        ch.writeAndFlush(upstreamRequest.write(ch.alloc()), ch.voidPromise()); // the early bytes wait for its 101
        ch.config().setAutoRead(true); // and it stays on through the tunnel: no read-interest toggling per upgrade
    }

    @Override
    public void failed(UpstreamDialer.Failure why) {
        switch (why) {
            case NO_ENDPOINT -> fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "no healthy endpoint");
            case REFUSED -> fail(HttpResponseStatus.BAD_GATEWAY, "every endpoint refused the connection");
            case NO_SOCKET -> fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "out of file descriptors: no connection to an upstream could be opened");
        }
    }

    // --- the upstream's answer ---

    /** A clean 101 head, relayed as it came, and what the upstream sent after it in the same read (maybe nothing). */
    void switched(ByteBuf head, ByteBuf serverEarly) {
        if (done) {
            head.release();
            serverEarly.release();
            return;
        }
        String refusal = WebSocket101.refusal(head, upstreamRequest.fields().get("sec-websocket-key"));
        if (refusal != null) {
            head.release();
            serverEarly.release();
            refused101(refusal);
            return;
        }
        px.dialer.listener().upgradeAnswered(rule.key(), endpoint, 101);
        startTunnel(head, serverEarly);
    }

    /**
     * A 101 that is not a WebSocket handshake for this request (another protocol, no Connection: upgrade, the wrong
     * Sec-WebSocket-Accept): every client fails it (RFC 6455 §4.1), so the client gets a 502 saying why, and the
     * endpoint is counted as failing the upgrade (passive health).
     */
    private void refused101(String why) {
        LOG.debugf("upgrade for %s: %s answered %s", rule.key(), endpoint, why);
        px.dialer.listener().upgradeAnswered(rule.key(), endpoint, HttpResponseStatus.BAD_GATEWAY.code());
        fail(HttpResponseStatus.BAD_GATEWAY, "upstream " + endpoint + " answered " + why);
    }

    /** The upstream's answer to the upgrade, read by an HTTP decoder: any status but 101, or a 101 with an odd head. */
    void response(HttpResponse response) {
        if (done) {
            return;
        }
        int status = response.status().code();
        if (status < 200 && status != 101) {
            return; // an interim answer (100, 103): the answer to the upgrade follows it, and the decoder reads it next
        }
        if (status != 101) {
            px.dialer.listener().upgradeAnswered(rule.key(), endpoint, status);
            passThrough(response);
            return;
        }
        String refusal = WebSocket101.refusal(response.headers(), upstreamRequest.fields().get("sec-websocket-key"));
        if (refusal != null) {
            refused101(refusal);
            return;
        }
        px.dialer.listener().upgradeAnswered(rule.key(), endpoint, 101);
        upstreamEarly = upstream.alloc().compositeBuffer();
        upstream.pipeline().remove(HttpClientCodec.class); // leftover bytes (early server frames) reach us as ByteBuf
        ByteBuf serverEarly = upstreamEarly;
        upstreamEarly = null;
        startTunnel(HttpResponses.headOnly(client.alloc(), response), serverEarly);
    }

    private void startTunnel(ByteBuf head101, ByteBuf serverEarly) {
        answered = true;
        done = true;
        clock.disarm(deadline);
        client.write(head101, client.voidPromise());
        long now = System.nanoTime(); // the handshake's end and the session's start: one clock read for both
        Endpoint e = endpoint;
        endpoint = null; // the tunnel holds it now
        List<ByteBuf> clientEarly = early;
        early = null; // the tunnel relays them
        new Tunnel(client.channel(), upstream, rule.key(), e, px.tunnelContext, request, rule.rule().lifecycle(), now)
                .start(rule.rule().idleTimeout(), serverEarly, clientEarly, (TunnelSide.Host) client.handler(),
                        upstream.pipeline().get(UpstreamWebSocketHandler.class), now - started);
    }

    /** Bytes after the 101 head that the upstream sent in the same read. */
    void upstreamBytes(ByteBuf buf) {
        if (upstreamEarly != null) {
            upstreamEarly.addComponent(true, buf);
        } else {
            buf.release();
        }
    }

    /** A refusal (not 101): the client gets it as the upstream sent it, then both connections close. */
    private void passThrough(HttpResponse response) {
        answered = true;
        done = true;
        clock.disarm(deadline);
        int status = response.status().code();
        px.metrics.upgrade(rule.key().route(), status);
        px.accessLog.rejectedUpgrade(request, rule.key().route(), status, "upstream refused the upgrade");
        px.tunnels.release(rule.key());
        releaseEndpoint();
        releaseEarly();
        client.pipeline().addBefore(client.name(), "upgrade-encoder", new HttpResponseEncoder());
        response.headers().set("connection", "close");
        client.writeAndFlush(response);
        upstream.config().setAutoRead(true);
    }

    void responseContent(HttpContent content) {
        if (!answered || upstreamEarly != null) {
            content.release();
            return;
        }
        if (content instanceof LastHttpContent) {
            client.writeAndFlush(content).addListener(PeerClose.AFTER_WRITE);
            upstream.close(); // the upstream's own read: at once
        } else {
            client.writeAndFlush(content);
        }
    }

    /** @param answerStarted whether any byte of an answer came on it */
    void upstreamClosed(Channel ch, boolean answerStarted) {
        if (ch != upstream) {
            return; // a connection the dialer gave up on
        }
        if (!answered) {
            String why = "upstream " + endpoint + " closed before answering the upgrade";
            if (!answerStarted && sendAgain(why)) {
                return;
            }
            unanswered(HttpResponseStatus.BAD_GATEWAY, why);
        } else if (client.channel().isActive()) { // a refusal being relayed: no more of it can come
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(PeerClose.AFTER_WRITE);
        }
    }

    /**
     * An error on an upstream channel. One that is not (yet) ours is a connection still connecting, or one the
     * dialer gave up on: epoll reports a refused connect both to the connect future and, as a failed read
     * (NotYetConnectedException), to the pipeline; the dialer alone handles it, by trying the next endpoint.
     */
    void upstreamFailed(Channel ch, Throwable cause, boolean answerStarted) {
        if (ch != upstream) {
            LOG.debugf("upgrade for %s: ignoring %s on a connection not in use", rule.key(), cause.toString());
            ch.close();
            return;
        }
        LOG.debugf("upgrade for %s via %s failed: %s", rule.key(), endpoint, UpstreamHandlers.failureReason(cause));
        upstream.close(); // its own error: at once
        if (!answered) {
            if (UpstreamTlsFailureLog.isTlsFailure(cause)) {
                UpstreamTlsFailureLog.failed(rule.key(), endpoint, cause);
                unanswered(HttpResponseStatus.BAD_GATEWAY, "upstream " + endpoint + ": TLS handshake failed");
            } else {
                String why = "upstream " + endpoint + " failed: " + cause.getClass().getSimpleName();
                if (!answerStarted && sendAgain(why)) {
                    return;
                }
                unanswered(HttpResponseStatus.BAD_GATEWAY, why);
            }
        }
    }

    /**
     * The endpoint took the upgrade and closed or reset its connection without a byte of answer (a pod going away, a
     * process that died): the upgrade goes to another pod, each at most once, within the same handshake deadline, as
     * nginx sends a request no upstream answered to the next one. A GET nobody answered is safe to send again, and the
     * client's early bytes were held back from the first. The endpoint counts as failing the upgrade (passive health).
     *
     * @return false when no pod that has not ended it so is usable: the client gets the 502
     */
    private boolean sendAgain(String why) {
        if (done) {
            return false;
        }
        List<Endpoint> tried = unanswering == null ? new ArrayList<>(2) : unanswering;
        tried.add(endpoint);
        if (!px.dialer.hasOther(rule.pool(), tried)) {
            return false;
        }
        unanswering = tried;
        LOG.debugf("upgrade for %s: %s; sent to another endpoint", rule.key(), why);
        px.dialer.listener().upgradeAnswered(rule.key(), endpoint, HttpResponseStatus.BAD_GATEWAY.code());
        releaseEndpoint();
        upstream = null; // events of the old connection are no longer ours
        dialing = px.dialer.dial(client.channel().eventLoop(), rule.pool(), hashKey, rule.upstreamTls(), false, this, tried);
        return true;
    }

    void clientClosed() {
        if (abandon()) { // before any answer: the client gave up waiting
            px.metrics.upgrade(rule.key().route(), HttpResponses.CLIENT_CLOSED);
            px.accessLog.rejectedUpgrade(request, rule.key().route(), HttpResponses.CLIENT_CLOSED, "client closed before the answer");
        }
    }

    /**
     * Ends a handshake that will not become a tunnel: frees its slot, its endpoint, its held bytes and its upstream,
     * unless that is closed already (from its own event, which closes it at once).
     */
    private boolean abandon() {
        if (done) {
            return false;
        }
        done = true;
        clock.disarm(deadline);
        px.tunnels.release(rule.key());
        releaseEndpoint();
        releaseEarly();
        if (dialing != null) {
            dialing.abandon(); // a connect under way: closed now, not at its connect timeout
            dialing = null;
        }
        if (upstream != null && upstream.isOpen()) {
            PeerClose.close(upstream); // from a client event, a timer or the dialer's: not the channel whose event runs
        }
        return true;
    }

    /**
     * The endpoint took the connection but gave no answer (none in time, closed, reset, its TLS failed): for passive
     * health a failed upgrade, as a 5xx of its own is. Not while still connecting (the dialer counts a failed connect).
     */
    private void unanswered(HttpResponseStatus status, String why) {
        if (!done && endpoint != null) {
            px.dialer.listener().upgradeAnswered(rule.key(), endpoint, status.code());
        }
        fail(status, why);
    }

    private void fail(HttpResponseStatus status, String why) {
        if (!abandon()) {
            return;
        }
        px.metrics.upgrade(rule.key().route(), status.code());
        px.accessLog.rejectedUpgrade(request, rule.key().route(), status.code(), why);
        if (client.channel().isActive()) {
            client.pipeline().addBefore(client.name(), "upgrade-encoder", new HttpResponseEncoder());
            client.writeAndFlush(HttpResponses.of(status, why, true)).addListener(PeerClose.AFTER_WRITE);
        }
    }

    private void releaseEndpoint() {
        if (endpoint != null) {
            px.dialer.release(endpoint);
            endpoint = null;
        }
    }

    private void releaseEarly() {
        if (early != null) {
            early.forEach(ReferenceCountUtil::safeRelease);
            early = null;
        }
    }
}

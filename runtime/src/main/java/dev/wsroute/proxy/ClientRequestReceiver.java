package dev.wsroute.proxy;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;

import dev.wsroute.http.ClientHttpCodec;
import dev.wsroute.http.HeadFields;
import dev.wsroute.http.RefusedRequest;
import dev.wsroute.http.RequestHead;
import dev.wsroute.model.Route;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.CompiledRule;
import dev.wsroute.table.Pool;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.UnmatchedUpgrade;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The client side of the one listener: reads request heads, splits WebSocket upgrades from plain HTTP, answers
 * what the proxy must answer itself (the CONTRACT's table), and hands the rest to an {@link HttpExchange} or an
 * {@link UpgradeHandshake}. Reads are explicit (auto-read off): one request at a time, pipelined ones queued.
 * Once an upgrade's tunnel starts, it stays where it is and hands every event to the tunnel's client side.
 */
final class ClientRequestReceiver extends ChannelInboundHandlerAdapter implements TunnelSide.Host {
    private final ProxyContext px;
    private final boolean tls;
    /** Pipelined requests and body parts held while an exchange runs, beyond which the client is not read. */
    private static final int MAX_QUEUED = 64;
    /** The most a lingering close drops of what the client still sends before it closes anyway. */
    static final long LINGER_MAX_BYTES = 4 << 20;
    /** Made when a client first pipelines (most never do); empty or null otherwise. */
    private ArrayDeque<Object> queued;
    /** The wait for request heads; null once a tunnel took the connection. */
    private RequestHeadTimeout headTimeout;
    private ChannelHandlerContext ctx;
    /** The client's address ({@link ClientAddress}: the TCP peer, or a PROXY protocol header's source), found once. */
    private SocketAddress client;
    /** The HTTP codec's context, found once (an upgrade removes it). */
    private ChannelHandlerContext codec;
    /** The client as the forwarding fields name it, made at its first plain request. */
    private ForwardedHeaders.Peer peer;
    /** The last request's authority and the host routes match for it: a keep-alive client names the same Host again. */
    private String lastAuthority;
    private String lastHost;
    private HttpExchange exchange;
    private UpgradeHandshake handshake;
    /** The tunnel's client side, once an upgrade started one: every event is its from then on. */
    private TunnelSide side;
    /** A local answer waiting for the end of its request, and whether the connection stays open after it. */
    private FullHttpResponse localAnswer;
    private boolean localKeepAlive;
    private boolean busy;
    /** The client sent FIN: it will send no further request. */
    private boolean inputClosed;
    /** The name the client's TLS handshake asked for (null: plain HTTP, or no SNI). */
    private String sni;
    /** The deadline of request bodies' uploads, made with this connection's first request body. */
    private RequestBodyTimeout bodyTimeout;
    /** Closing: the answer is out and the output shut; what the client still sends is dropped (see {@link #linger}). */
    private boolean lingering;
    private long lingered;

    ClientRequestReceiver(ProxyContext px, boolean tls, RequestHeadTimeout headTimeout) {
        this.px = px;
        this.tls = tls;
        this.headTimeout = headTimeout;
    }

    /** Not {@code @Sharable}, said as a constant: Netty's own answer is a per-thread map look-up by class, at every add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.client = ClientAddress.of(ctx.channel());
        this.codec = ctx.pipeline().context(ClientHttpCodec.class);
        // over TLS the wait for a head starts once the handshake is done (a 408 before it would go out as plain text);
        // until then the handshake's deadline (TlsHandshakeCounter) bounds the connection, and closes it at shutdown
        if (!tls) {
            armHeadTimeout(false);
        }
        ctx.fireChannelActive();
    }

    /**
     * The upgrade is done: from now on this stage hands every event to {@code side} (no pipeline change), and lets go
     * of what the connection's requests needed (the handshake, the codec it removed, the head deadline), which an
     * open WebSocket would otherwise keep for its life.
     */
    @Override
    public void tunnelStarted(TunnelSide side) {
        this.side = side;
        handshake = null;
        codec = null;
        lastAuthority = null;
        lastHost = null;
        disarmHeadTimeout();
        headTimeout = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (side != null) { // the relay's path: one field and a direct call more than a side of its own in the pipeline
            side.read(msg);
            return;
        }
        if (lingering) {
            if (msg instanceof ByteBuf b) {
                lingered += b.readableBytes();
            }
            ReferenceCountUtil.release(msg);
            bodyTimeout.progress();
            if (lingered > LINGER_MAX_BYTES) {
                ctx.close();
            }
            return;
        }
        if (handshake != null) { // the HTTP decoder is gone: these are the client's first WebSocket bytes
            if (msg instanceof io.netty.buffer.ByteBuf b) {
                handshake.clientBytes(b);
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (isHead(msg) && busy || queuedAny()) {
            if (queued == null) {
                queued = new ArrayDeque<>(4);
            }
            queued.add(msg); // pipelined: wait for the current exchange
            if (queued.size() >= MAX_QUEUED) {
                ctx.channel().config().setAutoRead(false); // exchangeDone() reads on
            }
            return;
        }
        dispatch(msg);
    }

    private boolean queuedAny() {
        return queued != null && !queued.isEmpty();
    }

    private void releaseQueued() {
        if (queued != null) {
            queued.forEach(ReferenceCountUtil::safeRelease);
            queued.clear();
        }
    }

    /** A request head from the decoder: parsed, or refused (a request carrying the refusal). */
    private static boolean isHead(Object msg) {
        return msg instanceof RequestHead || msg instanceof HttpRequest;
    }

    private void dispatch(Object msg) {
        if (msg instanceof RequestHead head) {
            busy = true;
            headTimeout.pause(); // armed again at the exchange's end; taken out if the connection closes or upgrades
            onRequest(head);
            if (!head.framing().hasBody()) {
                onContent(LastHttpContent.EMPTY_LAST_CONTENT); // the decoder hands on no end for a request that ends with its head
            }
        } else if (msg instanceof HttpRequest refused) {
            busy = true;
            disarmHeadTimeout();
            onRefused(refused);
        } else if (msg instanceof HttpContent c) {
            onContent(c);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onContent(HttpContent c) {
        if (exchange != null) {
            exchange.clientContent(c);
            return;
        }
        c.release();
        if (c instanceof LastHttpContent && localAnswer != null) {
            FullHttpResponse r = localAnswer;
            localAnswer = null;
            ctx.writeAndFlush(r);
            exchangeDone(localKeepAlive, false);
        }
    }

    /** Refused by the strict parser (dev.wsroute.http): answer its status and close. */
    private void onRefused(HttpRequest req) {
        Throwable cause = req.decoderResult().cause();
        HttpResponseStatus status = cause instanceof RefusedRequest bad ? HttpResponseStatus.valueOf(bad.status()) : HttpResponseStatus.BAD_REQUEST;
        // a RefusedRequest's text is the parser's; anything else might quote the client's bytes
        px.accessLog.refused(client, status.code(), cause instanceof RefusedRequest ? cause.getMessage() : "malformed request");
        closeWith(status, "request refused: " + cause.getMessage());
    }

    private void onRequest(RequestHead head) {
        String authority = head.authority();
        if (lastHost == null || !java.util.Objects.equals(authority, lastAuthority)) {
            lastHost = ClientRequest.hostOf(authority);
            lastAuthority = authority;
        }
        ClientRequest view = new ClientRequest(head, lastHost);
        RouteTable table = px.tables.current();
        if (sni != null && !table.certificates().servesAlike(sni, view.host())) {
            misdirected(view, head.isWebSocketUpgrade());
            return;
        }
        if (head.isWebSocketUpgrade()) {
            upgrade(view, table);
        } else {
            plain(view, table);
        }
    }

    /** A request for a host this TLS session's certificate was not chosen for: 421, the connection kept for its own host. */
    private void misdirected(ClientRequest view, boolean upgrade) {
        int status = HttpResponseStatus.MISDIRECTED_REQUEST.code();
        String why = "this TLS connection was opened for another host (SNI); open one for this host";
        if (upgrade) {
            px.metrics.upgrade(null, status);
            px.accessLog.rejectedUpgrade(logRequest(view), null, status, why);
        } else {
            px.metrics.httpRequest(null, status);
            logHttp(view, null, status);
        }
        answerLocally(view, HttpResponses.of(HttpResponseStatus.MISDIRECTED_REQUEST, why, false));
    }

    private void plain(ClientRequest view, RouteTable table) {
        CompiledRoute route = table.matchHttp(view.host());
        RouteId routeId = route != null ? route.route().id() : null;
        if (TraceMethod.is(view.head().method())) {
            px.metrics.httpRequest(routeId, TraceMethod.STATUS.code());
            logHttp(view, routeId, TraceMethod.STATUS.code());
            answerLocally(view, TraceMethod.answer());
            return;
        }
        if (!tls && route != null && route.route().tls().map(Route.TlsRef::redirect).orElse(false)) {
            FullHttpResponse r = HttpResponses.of(HttpResponseStatus.PERMANENT_REDIRECT, "use https", false);
            int port = px.tlsPort;
            r.headers().set(HttpHeaderNames.LOCATION, "https://" + view.host() + (port == 443 ? "" : ":" + port) + view.pathAndQuery());
            px.metrics.httpRequest(routeId, r.status().code());
            logHttp(view, routeId, r.status().code());
            answerLocally(view, r);
            return;
        }
        Pool pool = route != null ? route.http() : px.defaultBackend.get();
        if (pool == null) {
            px.metrics.httpRequest(routeId, 404);
            logHttp(view, routeId, 404);
            answerLocally(view, HttpResponses.of(HttpResponseStatus.NOT_FOUND, "no route for this host and path", false));
            return;
        }
        // one request at a time; reads run on (pipelined requests queue, bounded) and pause only for backpressure
        RequestHead parsed = view.head();
        HeadFields fields = HeadFields.reused(parsed); // the thread's: edited and written here, then cleared
        if (peer == null) {
            peer = new ForwardedHeaders.Peer((InetSocketAddress) client, tls);
        }
        ForwardedHeaders.forward(fields, peer, view.rawHost(), px.forwardingTo(pool.id()));
        // written as HTTP/1.1 from the parse: keep-alive to the upstream, whatever the client spoke
        ByteBuf upstreamHead = fields.write(ctx.alloc(), parsed.method(), parsed.pathAndQuery());
        fields.clear();
        exchange = new HttpExchange(px, ctx, this, logRequest(view), parsed.method(), upstreamHead,
                pool, routeId, parsed.keepAlive() && !px.leaving, parsed.http10(), parsed.framing().hasBody(), parsed.expectContinue());
        exchange.start();
    }

    private void upgrade(ClientRequest view, RouteTable table) {
        UpgradeAdmission.Decision decision = UpgradeAdmission.decide(view, table, px.defaultBackend.get());
        if (decision instanceof UpgradeAdmission.Go go) {
            long retryAfter = px.handshakeRate.acquire(go.rule().key(), go.rule().rule().lifecycle().handshakesPerClient(),
                    client);
            if (retryAfter > 0) {
                decision = UpgradeAdmission.rateLimited(go.rule(), retryAfter);
            }
        }
        if (decision instanceof UpgradeAdmission.Go go && !px.tunnels.tryAcquire(go.rule().key(), go.rule().rule().maxConnections())) {
            px.handshakeRate.refund(go.rule().key(), go.rule().rule().lifecycle().handshakesPerClient(), client); // no upgrade: no token spent
            decision = UpgradeAdmission.atLimit(go.rule());
        }
        if (decision instanceof UpgradeAdmission.Answer answer) {
            px.metrics.upgrade(answer.route(), answer.status().code());
            px.accessLog.rejectedUpgrade(logRequest(view), answer.route(), answer.status().code(), answer.why());
            answerLocally(view, answer.response());
            return;
        }
        CompiledRule rule = ((UpgradeAdmission.Go) decision).rule();
        HandshakeRewriter.UpstreamHead upstreamRequest = HandshakeRewriter.rewrite(view, rule, (InetSocketAddress) client, tls,
                px.forwardingTo(rule.key()));
        handshake = new UpgradeHandshake(px, ctx, logRequest(view), upstreamRequest, rule,
                HashKeys.of(rule.rule().loadBalancing().hashOn(), view, client));
        // Remove the decoder now: whatever the client sent after the head reaches us as raw bytes, in order.
        ctx.pipeline().remove(ClientHttpCodec.class);
        handshake.start();
    }

    /** The line's host is the name routes match (Host without its port, lowercased), for HTTP and WebSocket lines alike. */
    private AccessLog.Request logRequest(ClientRequest view) {
        // none with the log off: an open WebSocket would keep its host and URI for its whole life
        return px.accessLog.on() ? new AccessLog.Request(client, view.host(), view.path(), view.query()) : null;
    }

    private void logHttp(ClientRequest view, RouteId route, int status) {
        px.accessLog.http(logRequest(view), view.head().method(), route, null, status, 0);
    }

    /** Answers once the request (and any body) has been read; keeps the connection if the client allows. */
    private void answerLocally(ClientRequest view, FullHttpResponse r) {
        RequestHead req = view.head();
        boolean keepAlive = req.keepAlive() && !px.leaving && !r.headers().contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
        if (req.framing().hasBody()) { // don't read an unknown body just to answer: answer and close
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            keepAlive = false;
            closeAfter(ctx.writeAndFlush(r), true); // a queued request: from an upstream event
            return;
        }
        if (!keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        localAnswer = r;
        localKeepAlive = keepAlive;
    }

    /** The deadline of this connection's request bodies (one per connection, not per request). */
    RequestBodyTimeout bodyTimeout() {
        if (bodyTimeout == null) {
            bodyTimeout = new RequestBodyTimeout(LoopClock.of(ctx.channel().eventLoop()), px.config.limits().requestBodyTimeout().toNanos());
        }
        return bodyTimeout;
    }

    /** The current exchange relayed an upstream's final answer: the response encoder has no answer to write for it. */
    void responseRelayed() {
        ((ClientHttpCodec) codec.handler()).responseRelayed();
    }

    /**
     * The current exchange is over: wait for the next request, or close; {@code bodyUnread}: the request's body did
     * not all come, so the client may still be sending it (a close then lingers).
     */
    void exchangeDone(boolean keepAlive, boolean bodyUnread) {
        exchange = null;
        // with the listeners closed, no connection waits for a request until the process ends
        if (!keepAlive || (inputClosed || px.listenersClosed) && !queuedAny()) {
            // requests pipelined behind this one are not served: their client may still be sending more (beyond the
            // queue's bound the proxy stopped reading it), so the close lingers as for an unread body (RFC 9112 §9.6)
            closeAfter(ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER), bodyUnread || queuedAny()); // from an upstream event
            releaseQueued(); // busy stays: what comes before the close (the rest of a read) is not served (RFC 9112 §9.6)
            return;
        }
        busy = false;
        armHeadTimeout(true);
        // the next pipelined request, and the body parts queued behind it (they belong to its exchange)
        while (queuedAny() && handshake == null && (!busy || !isHead(queued.peek()))) {
            dispatch(queued.poll());
        }
        if (!busy && handshake == null && codec != null) {
            ((ClientHttpCodec) codec.handler()).resume(codec); // an upgrade answered here: what the client sent after it is HTTP
        }
        if (!busy && handshake == null) {
            HttpExchange.autoRead(ctx.channel(), true); // after backpressure or a full queue
        }
    }

    /**
     * Closes once what was written is out. While the client may still be sending a request body (or requests
     * pipelined behind the answered one), a plain close
     * would leave its bytes unread, and the kernel answers those with a reset, which can reach the client before it
     * read the answer: then the close lingers, as nginx's does: the output is shut (the client reads the answer and
     * its end), what the client still sends is read and dropped, and the connection closes when the client closes,
     * goes quiet for {@code wsroute.limits.lingering-timeout}, or after {@code lingering-time} or {@link #LINGER_MAX_BYTES}.
     */
    private void closeAfter(ChannelFuture written, boolean clientMaySend) {
        if (clientMaySend && !inputClosed) {
            written.addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    linger();
                } else {
                    f.channel().close();
                }
            });
        } else {
            written.addListener(PeerClose.AFTER_WRITE);
        }
    }

    private void linger() {
        Channel ch = ctx.channel();
        // a client whose FIN came while the answer was going out has nothing more to send: no reason to linger
        if (!ch.isActive() || lingering || inputClosed || !(ch instanceof DuplexChannel duplex)) {
            ch.close();
            return;
        }
        lingering = true;
        releaseQueued();
        disarmHeadTimeout();
        if (codec != null && !codec.isRemoved()) {
            ctx.pipeline().remove(ClientHttpCodec.class); // what it holds comes here as bytes, and is dropped
        }
        bodyTimeout().linger(this, px.config.limits().lingeringTime().toNanos(), px.config.limits().lingeringTimeout().toNanos());
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl != null) {
            ssl.closeOutbound().addListener(f -> duplex.shutdownOutput()); // close_notify first, then the FIN
        } else {
            duplex.shutdownOutput();
        }
        ch.config().setAutoRead(true);
    }

    /** The lingering close is over (its time, or the client was quiet): close. */
    void lingerOver() {
        ctx.close();
    }

    private void closeWith(HttpResponseStatus status, String why) {
        px.metrics.httpRequest(null, status.code());
        ctx.channel().config().setAutoRead(false); // before the close: a lingering one reads on
        // a body too large (413 from its Content-Length) may be on its way: its client reads the answer (a lingering close)
        closeAfter(ctx.writeAndFlush(HttpResponses.of(status, why, true)), status == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE); // a queued refusal: from an upstream event
        disarmHeadTimeout();
        busy = true; // nothing more is read from this connection
    }

    /**
     * A TLS handshake done: the wait for the first head starts (the handshake had its own deadline, of the same length).
     * A FIN from the client. With no request in flight (a fresh connection, or idle between keep-alive requests)
     * nothing more can come: close at once instead of holding the socket in CLOSE-WAIT until a timeout. With one
     * in flight, its answer is still sent, then the connection closes.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (side != null) {
            side.userEvent(ctx, evt);
            return;
        }
        if (evt instanceof SniCompletionEvent named) {
            sni = named.hostname(); // null when the client sent none
        }
        if (evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
            armHeadTimeout(false);
        }
        if (evt instanceof ChannelInputShutdownEvent) {
            inputClosed = true;
            if (lingering || !busy && handshake == null && !queuedAny()) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** A read of the client is done: each byte of a request body counts as its progress, a line's bytes too (see HttpExchange#clientRead). */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (side != null) {
            side.readComplete();
            return;
        }
        if (exchange != null) {
            exchange.clientRead();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (side != null) {
            side.writabilityChanged();
            return;
        }
        if (ctx.channel().isWritable() && exchange != null) {
            exchange.clientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** Gone with the channel: its deadline must not outlive it, nor keep it reachable; nor may its tunnel side hold bytes. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarmHeadTimeout();
        if (side != null) {
            side.removed();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        disarmHeadTimeout();
        if (lingering) {
            bodyTimeout.stop();
        }
        if (exchange != null) {
            exchange.clientClosed();
        }
        if (handshake != null) {
            handshake.clientClosed();
        }
        releaseQueued();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (side != null) {
            side.failed(cause);
        } else {
            ctx.close();
        }
    }

    private void armHeadTimeout(boolean keepAliveWait) {
        if (codec != null && !codec.isRemoved()) { // an upgrade removes it
            headTimeout.arm(codec, keepAliveWait);
        }
    }

    private void disarmHeadTimeout() {
        if (headTimeout != null) {
            headTimeout.disarm();
        }
    }
}

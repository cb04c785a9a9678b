package dev.wsroute.proxy;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Locale;

import dev.wsroute.http.BadRequestHead;
import dev.wsroute.http.ClientHttpCodec;
import dev.wsroute.model.LoadBalancing.HashOn;
import dev.wsroute.model.Route;
import dev.wsroute.model.Rule;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.CompiledRule;
import dev.wsroute.table.Pool;
import dev.wsroute.table.RouteTable;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * The client side of the one listener: reads request heads, splits WebSocket upgrades from plain HTTP, answers
 * what the proxy must answer itself (the CONTRACT's table), and hands the rest to an {@link HttpExchange} or an
 * {@link UpgradeHandshake}. Reads are explicit (auto-read off): one request at a time, pipelined ones queued.
 */
final class ClientRequestReceiver extends ChannelInboundHandlerAdapter {
    private final ProxyContext px;
    private final boolean tls;
    private final ArrayDeque<Object> queued = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private HttpExchange exchange;
    private UpgradeHandshake handshake;
    /** A local answer waiting for the end of its request, and whether the connection stays open after it. */
    private FullHttpResponse localAnswer;
    private boolean localKeepAlive;
    private boolean busy;

    ClientRequestReceiver(ProxyContext px, boolean tls) {
        this.px = px;
        this.tls = tls;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        px.metrics.clientConnections().incrementAndGet();
        ctx.channel().closeFuture().addListener(f -> px.metrics.clientConnections().decrementAndGet());
        armHeadTimeout(false);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (handshake != null) { // the HTTP decoder is gone: these are the client's first WebSocket bytes
            if (msg instanceof io.netty.buffer.ByteBuf b) {
                handshake.clientBytes(b);
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        if (msg instanceof HttpRequest && busy || !queued.isEmpty()) {
            queued.add(msg); // pipelined: wait for the current exchange
            return;
        }
        dispatch(msg);
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest req) {
            busy = true;
            disarmHeadTimeout();
            onRequest(req);
            if (msg instanceof HttpContent c) {
                onContent(c);
            }
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
            exchangeDone(localKeepAlive);
        } else if (localAnswer == null && !(c instanceof LastHttpContent)) {
            ctx.read();
        }
    }

    private void onRequest(HttpRequest req) {
        if (req.decoderResult().isFailure()) {
            Throwable cause = req.decoderResult().cause();
            HttpResponseStatus status = cause instanceof BadRequestHead bad ? HttpResponseStatus.valueOf(bad.status())
                    : cause instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : cause instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
            closeWith(status, "malformed request: " + cause.getMessage());
            return;
        }
        ClientRequest view = new ClientRequest(req);
        if (view.rawHost() == null && req.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            closeWith(HttpResponseStatus.BAD_REQUEST, "HTTP/1.1 request without Host");
            return;
        }
        RouteTable table = px.tables.current();
        if (isUpgrade(req.headers())) {
            upgrade(view, table);
        } else {
            plain(view, table);
        }
    }

    private void plain(ClientRequest view, RouteTable table) {
        CompiledRoute route = table.matchHttp(view.host());
        if (!tls && route != null && route.route().tls().map(Route.TlsRef::redirect).orElse(false)) {
            FullHttpResponse r = HttpResponses.of(HttpResponseStatus.PERMANENT_REDIRECT, "use https", false);
            int port = px.tlsPort;
            r.headers().set(HttpHeaderNames.LOCATION, "https://" + view.host() + (port == 443 ? "" : ":" + port) + view.pathAndQuery());
            answerLocally(view, r, route.route().id().toString());
            return;
        }
        Pool pool = route != null ? route.http() : px.defaultBackend.get();
        String routeName = route != null ? route.route().id().toString() : "-";
        if (pool == null) {
            answerLocally(view, HttpResponses.of(HttpResponseStatus.NOT_FOUND, "no route for this host and path", false), routeName);
            return;
        }
        // plain HTTP is one request at a time with reads on demand (body backpressure, bounded pipelining)
        ctx.channel().config().setAutoRead(false);
        HttpRequest head = view.request();
        boolean keepAlive = HttpUtil.isKeepAlive(head);
        boolean http10 = head.protocolVersion().equals(HttpVersion.HTTP_1_0);
        String originalHost = view.rawHost();
        ForwardedHeaders.removeHopByHop(head.headers());
        ForwardedHeaders.add(head.headers(), (InetSocketAddress) ctx.channel().remoteAddress(), tls, originalHost);
        head.setUri(view.pathAndQuery());
        head.setProtocolVersion(HttpVersion.HTTP_1_1); // keep-alive to the upstream, whatever the client spoke
        exchange = new HttpExchange(px, ctx, this, view, head, pool, routeName, keepAlive, http10);
        exchange.start();
    }

    private void upgrade(ClientRequest view, RouteTable table) {
        HttpRequest req = view.request();
        String key = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY);
        if (!req.method().equals(HttpMethod.GET) || !dev.wsroute.http.HttpChars.isWebSocketKey(key) || hasBody(req)) {
            rejectUpgrade(view, "-", HttpResponseStatus.BAD_REQUEST, "not a valid WebSocket upgrade (GET with a 16-byte Sec-WebSocket-Key)", true);
            return;
        }
        if (!"13".equals(req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
            FullHttpResponse r = HttpResponses.of(HttpResponseStatus.UPGRADE_REQUIRED, "only WebSocket version 13 is supported", false);
            r.headers().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
            answerUpgradeLocally(view, "-", r);
            return;
        }
        CompiledRule rule = table.matchUpgrade(view);
        if (rule == null) {
            rejectUpgrade(view, "-", HttpResponseStatus.NOT_FOUND, "no route for this host and path", true);
            return;
        }
        String routeName = rule.key().toString();
        Rule r = rule.rule();
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        if (origin != null && !r.allowedOrigins().isEmpty() && !r.allowedOrigins().contains(origin.toLowerCase(Locale.ROOT))) {
            rejectUpgrade(view, routeName, HttpResponseStatus.FORBIDDEN, "origin not allowed", true);
            return;
        }
        if (rule.pool().isEmpty()) {
            rejectUpgrade(view, routeName, HttpResponseStatus.SERVICE_UNAVAILABLE, "no ready endpoint", true);
            return;
        }
        if (!px.tunnels.tryAcquire(rule.key(), r.maxConnections())) {
            FullHttpResponse resp = HttpResponses.of(HttpResponseStatus.SERVICE_UNAVAILABLE, "route is at its connection limit", false);
            resp.headers().set(HttpHeaderNames.RETRY_AFTER, "5");
            px.accessLog.rejectedUpgrade(remote(), view.host(), view.pathAndQuery(), routeName, 503, "at maxConnections");
            px.metrics.upgrade(rule.key().route().toString(), 503);
            answerLocally(view, resp, null);
            return;
        }
        HttpRequest upstreamRequest = HandshakeRewriter.rewrite(view, rule, (InetSocketAddress) ctx.channel().remoteAddress(), tls);
        handshake = new UpgradeHandshake(px, ctx, view, upstreamRequest, rule, hashKey(view, r));
        // Remove the decoder now: whatever the client sent after the head reaches us as raw bytes, in order.
        ctx.pipeline().remove(ClientHttpCodec.class);
        handshake.start();
    }

    private void rejectUpgrade(ClientRequest view, String routeName, HttpResponseStatus status, String why, boolean keepAlive) {
        px.accessLog.rejectedUpgrade(remote(), view.host(), view.pathAndQuery(), routeName, status.code(), why);
        px.metrics.upgrade(routeName, status.code());
        answerLocally(view, HttpResponses.of(status, why, !keepAlive), null);
    }

    private void answerUpgradeLocally(ClientRequest view, String routeName, FullHttpResponse r) {
        px.accessLog.rejectedUpgrade(remote(), view.host(), view.pathAndQuery(), routeName, r.status().code(), "answered locally");
        px.metrics.upgrade(routeName, r.status().code());
        answerLocally(view, r, null);
    }

    /** Answers once the request (and any body) has been read; keeps the connection if the client allows. */
    private void answerLocally(ClientRequest view, FullHttpResponse r, String httpRouteForLog) {
        HttpRequest req = view.request();
        boolean keepAlive = HttpUtil.isKeepAlive(req) && !r.headers().contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
        if (httpRouteForLog != null) {
            px.metrics.httpRequest(httpRouteForLog, r.status().code());
            px.accessLog.http(remote(), req.method().name(), view.rawHost(), view.pathAndQuery(), httpRouteForLog, "-", r.status().code(), 0);
        }
        if (hasBody(req)) { // don't read an unknown body just to answer: answer and close
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            keepAlive = false;
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (!keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        localAnswer = r;
        localKeepAlive = keepAlive;
    }

    /** The current exchange is over: wait for the next request, or close. */
    void exchangeDone(boolean keepAlive) {
        exchange = null;
        busy = false;
        if (!keepAlive) {
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            queued.forEach(ReferenceCountUtil::safeRelease);
            queued.clear();
            return;
        }
        armHeadTimeout(true);
        // the next pipelined request, and the body parts queued behind it (they belong to its exchange)
        while (!queued.isEmpty() && handshake == null && (!busy || !(queued.peek() instanceof HttpRequest))) {
            dispatch(queued.poll());
        }
        if (!busy && handshake == null) {
            ctx.read();
        }
    }

    private void closeWith(HttpResponseStatus status, String why) {
        px.metrics.httpRequest("-", status.code());
        ctx.writeAndFlush(HttpResponses.of(status, why, true)).addListener(ChannelFutureListener.CLOSE);
        ctx.channel().config().setAutoRead(false);
        disarmHeadTimeout();
        busy = true; // nothing more is read from this connection
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && exchange != null) {
            exchange.clientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.clientClosed();
        }
        if (handshake != null) {
            handshake.clientClosed();
        }
        queued.forEach(ReferenceCountUtil::safeRelease);
        queued.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void armHeadTimeout(boolean keepAliveWait) {
        RequestHeadTimeout t = ctx.pipeline().get(RequestHeadTimeout.class);
        if (t != null) {
            t.arm(keepAliveWait);
        }
    }

    private void disarmHeadTimeout() {
        RequestHeadTimeout t = ctx.pipeline().get(RequestHeadTimeout.class);
        if (t != null) {
            t.disarm();
        }
    }

    private String remote() {
        return String.valueOf(ctx.channel().remoteAddress());
    }

    static boolean isUpgrade(HttpHeaders h) {
        return h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && h.contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private static boolean hasBody(HttpRequest req) {
        return HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
    }


    private String hashKey(ClientRequest view, Rule r) {
        HashOn h = r.loadBalancing().hashOn();
        if (h == null) {
            return null;
        }
        return switch (h.source()) {
            case header -> view.header(h.name());
            case queryParam -> view.queryParam(h.name());
            case sourceIP -> UpgradeHandshake.clientIp(ctx.channel());
            case cookie -> {
                String cookies = view.header("cookie");
                if (cookies == null) {
                    yield null;
                }
                for (Cookie c : ServerCookieDecoder.LAX.decode(cookies)) {
                    if (c.name().equals(h.name())) {
                        yield c.value();
                    }
                }
                yield null;
            }
        };
    }
}

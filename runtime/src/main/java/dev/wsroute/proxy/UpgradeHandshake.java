package dev.wsroute.proxy;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import dev.wsroute.model.Rule;
import dev.wsroute.table.CompiledRule;
import dev.wsroute.table.Endpoint;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * One WebSocket upgrade, from the moment the client's HTTP decoder is gone until the tunnel starts or the client
 * gets an error. Bytes the client sent after its request head are held and written upstream right after the
 * forwarded head, in order. Connect failures move on to the next endpoint; the whole handshake has a deadline.
 */
final class UpgradeHandshake {
    private static final Logger LOG = Logger.getLogger(UpgradeHandshake.class);

    private final ProxyContext px;
    private final ChannelHandlerContext client;
    private final ClientRequest request;
    private final HttpRequest upstreamRequest;
    private final CompiledRule rule;
    private final String hashKey;
    private final String clientAddress;
    private final long started = System.nanoTime();
    /** Early bytes held while connecting, beyond which the client is not read until the tunnel starts. */
    private static final int MAX_EARLY_BYTES = 64 * 1024;
    private final List<ByteBuf> early = new ArrayList<>(1);
    private int earlyBytes;
    private final Set<Endpoint> tried = new HashSet<>();
    private ScheduledFuture<?> deadline;
    private Channel upstream;
    private Endpoint endpoint;
    private CompositeByteBuf upstreamEarly;
    private boolean answered; // a response (101 or other) started towards the client
    private boolean done;

    UpgradeHandshake(ProxyContext px, ChannelHandlerContext client, ClientRequest request, HttpRequest upstreamRequest,
            CompiledRule rule, String hashKey) {
        this.px = px;
        this.client = client;
        this.request = request;
        this.upstreamRequest = upstreamRequest;
        this.rule = rule;
        this.hashKey = hashKey;
        this.clientAddress = String.valueOf(client.channel().remoteAddress());
    }

    void start() {
        Rule r = rule.rule();
        deadline = client.executor().schedule(() -> fail(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream did not answer the upgrade in "
                + r.handshakeTimeout().toMillis() + " ms"), r.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        connectNext();
    }

    /** Bytes the client sent after its upgrade request, before any answer. */
    void clientBytes(ByteBuf buf) {
        if (done) {
            buf.release();
        } else if (upstream != null) { // head and earlier bytes already went: keep the order
            upstream.writeAndFlush(buf, upstream.voidPromise());
        } else {
            early.add(buf);
            earlyBytes += buf.readableBytes();
            if (earlyBytes > MAX_EARLY_BYTES) {
                client.channel().config().setAutoRead(false); // the tunnel turns reading back on
            }
        }
    }

    private void connectNext() {
        if (done) {
            return;
        }
        Endpoint next = rule.pool().select(hashKey, tried, px.stats);
        if (next == null) {
            fail(HttpResponseStatus.BAD_GATEWAY, "every endpoint refused the connection");
            return;
        }
        tried.add(next);
        px.connect(client.channel().eventLoop(), next, rule.upstreamTls(), true, new HttpClientCodec(4096, 16 * 1024, 8192),
                new UpstreamHandshakeHandler(this)).addListener((ChannelFutureListener) f -> {
                    if (done) {
                        f.channel().close();
                    } else if (f.isSuccess()) {
                        connected(f.channel(), next);
                    } else {
                        LOG.debugf("upgrade for %s: connect to %s failed: %s", rule.key(), next, f.cause().toString());
                        connectNext();
                    }
                });
    }

    private void connected(Channel ch, Endpoint e) {
        upstream = ch;
        endpoint = e;
        ch.write(upstreamRequest);
        ch.write(LastHttpContent.EMPTY_LAST_CONTENT);
        ch.pipeline().get(HttpClientCodec.class).removeOutboundHandler(); // from here on, raw bytes
        for (ByteBuf b : early) {
            ch.write(b, ch.voidPromise());
        }
        early.clear();
        ch.flush();
    }

    /** The upstream's answer to the upgrade. */
    void response(HttpResponse response) {
        if (done) {
            return;
        }
        if (response.status().code() != 101) {
            passThrough(response);
            return;
        }
        answered = true;
        done = true;
        deadline.cancel(false);
        upstreamEarly = upstream.alloc().compositeBuffer();
        upstream.pipeline().remove(HttpClientCodec.class); // leftover bytes (early server frames) reach us as ByteBuf
        upstream.pipeline().remove(UpstreamHandshakeHandler.class);

        ChannelPipeline cp = client.pipeline();
        cp.addBefore(client.name(), "upgrade-encoder", new HttpResponseEncoder());
        client.write(new DefaultFullHttpResponse(response.protocolVersion(), response.status(),
                client.alloc().buffer(0), response.headers(), io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE));
        cp.remove("upgrade-encoder");
        cp.remove(client.handler());
        if (cp.get(RequestHeadTimeout.class) != null) {
            cp.remove(RequestHeadTimeout.class);
        }
        px.metrics.upgrade(rule.key().route().toString(), 101);
        px.metrics.route(rule.key().route().toString()).handshake.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        ByteBuf serverEarly = upstreamEarly;
        upstreamEarly = null;
        new Tunnel(client.channel(), upstream, rule.key(), endpoint, px.tunnelContext, clientAddress, request.host(),
                request.pathAndQuery()).start(rule.rule().idleTimeout(), serverEarly);
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
        deadline.cancel(false);
        int status = response.status().code();
        px.metrics.upgrade(rule.key().route().toString(), status);
        px.accessLog.rejectedUpgrade(clientAddress, request.host(), request.pathAndQuery(), rule.key().toString(), status,
                "upstream refused the upgrade");
        px.tunnels.release(rule.key());
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
            client.writeAndFlush(content).addListener(ChannelFutureListener.CLOSE);
            upstream.close();
        } else {
            client.writeAndFlush(content);
        }
    }

    void upstreamClosed() {
        if (!answered) {
            fail(HttpResponseStatus.BAD_GATEWAY, "upstream " + endpoint + " closed before answering the upgrade");
        } else if (upstreamEarly == null && client.channel().isActive() && !done) {
            client.close();
        }
    }

    void upstreamFailed(Throwable cause) {
        LOG.warnf("upgrade for %s via %s failed: %s", rule.key(), endpoint, dev.wsroute.tls.UpstreamHandlers.failureReason(cause));
        if (!answered) {
            fail(HttpResponseStatus.BAD_GATEWAY, "upstream " + endpoint + " failed: " + cause.getClass().getSimpleName());
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    void clientClosed() {
        abandon();
    }

    /** Ends a handshake that will not become a tunnel: frees its slot, its held bytes and its upstream. */
    private boolean abandon() {
        if (done) {
            return false;
        }
        done = true;
        deadline.cancel(false);
        px.tunnels.release(rule.key());
        releaseEarly();
        if (upstream != null) {
            upstream.close();
        }
        return true;
    }

    private void fail(HttpResponseStatus status, String why) {
        if (!abandon()) {
            return;
        }
        px.metrics.upgrade(rule.key().route().toString(), status.code());
        px.accessLog.rejectedUpgrade(clientAddress, request.host(), request.pathAndQuery(), rule.key().toString(), status.code(), why);
        if (client.channel().isActive()) {
            client.pipeline().addBefore(client.name(), "upgrade-encoder", new HttpResponseEncoder());
            client.writeAndFlush(HttpResponses.of(status, why, true)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void releaseEarly() {
        early.forEach(ReferenceCountUtil::safeRelease);
        early.clear();
    }

    static String clientIp(Channel ch) {
        return ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "";
    }
}

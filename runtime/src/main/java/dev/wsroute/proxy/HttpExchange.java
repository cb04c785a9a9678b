package dev.wsroute.proxy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import dev.wsroute.table.Endpoint;
import dev.wsroute.table.Pool;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * One plain HTTP request and its response, streamed both ways: each chunk is written as it arrives and the next
 * read waits until the other side can take more. Upstream connections are kept alive and reused per event loop.
 */
final class HttpExchange {
    private static final Logger LOG = Logger.getLogger(HttpExchange.class);

    private final ProxyContext px;
    private final ChannelHandlerContext client;
    private final ClientRequestReceiver owner;
    private final ClientRequest request;
    private final HttpRequest head;
    private final Pool pool;
    private final String routeName;
    private final boolean clientKeepAlive;
    private final boolean clientHttp10;
    private final long started = System.nanoTime();
    private final Set<Endpoint> tried = new HashSet<>();
    private final List<HttpContent> pendingBody = new ArrayList<>(1);
    private Endpoint endpoint;
    private Channel upstream;
    private boolean reused;
    private boolean bodySent;
    private boolean requestComplete;
    private boolean responseStarted;
    private boolean upstreamKeepAlive;
    private boolean done;
    private int status;
    private ScheduledFuture<?> responseTimer;

    HttpExchange(ProxyContext px, ChannelHandlerContext client, ClientRequestReceiver owner, ClientRequest request,
            HttpRequest head, Pool pool, String routeName, boolean clientKeepAlive, boolean clientHttp10) {
        this.px = px;
        this.client = client;
        this.owner = owner;
        this.request = request;
        this.head = head;
        this.pool = pool;
        this.routeName = routeName;
        this.clientKeepAlive = clientKeepAlive;
        this.clientHttp10 = clientHttp10;
    }

    void start() {
        Endpoint next = pool.select(null, tried, px.stats);
        if (next == null) {
            fail(tried.isEmpty() ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.BAD_GATEWAY,
                    tried.isEmpty() ? "no ready endpoint" : "every endpoint refused the connection");
            return;
        }
        tried.add(next);
        endpoint = next;
        Channel idle = px.httpPool.poll(next);
        if (idle != null) {
            reused = true;
            attach(idle);
            return;
        }
        connectFresh();
    }

    private void connectFresh() {
        Endpoint e = endpoint;
        px.connect(client.channel().eventLoop(), e, null, false, new HttpClientCodec(4096, 64 * 1024, 16 * 1024))
                .addListener((ChannelFutureListener) f -> {
                    if (done) {
                        f.channel().close();
                    } else if (f.isSuccess()) {
                        reused = false;
                        attach(f.channel());
                    } else {
                        LOG.debugf("http: connect to %s failed: %s", e, f.cause().toString());
                        start();
                    }
                });
    }

    private void attach(Channel ch) {
        upstream = ch;
        ch.pipeline().addLast("exchange", new UpstreamHttpHandler(this));
        ch.write(head);
        for (HttpContent c : pendingBody) {
            bodySent = true;
            ch.write(c);
        }
        pendingBody.clear();
        ch.flush();
        responseTimer = client.executor().schedule(() -> fail(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream did not answer in time"),
                px.config.upstream().responseTimeout().toMillis(), TimeUnit.MILLISECONDS);
        if (!requestComplete && ch.isWritable()) {
            client.read();
        }
        ch.read();
    }

    /** A chunk of the client's request body. */
    void clientContent(HttpContent c) {
        if (done) {
            c.release();
            if (c instanceof LastHttpContent) {
                requestComplete = true;
            }
            return;
        }
        boolean last = c instanceof LastHttpContent;
        requestComplete |= last;
        if (upstream == null) {
            pendingBody.add(c);
            return;
        }
        bodySent |= c.content().isReadable();
        upstream.writeAndFlush(c);
        if (!last && upstream.isWritable()) {
            client.read();
        }
    }

    boolean requestComplete() {
        return requestComplete;
    }

    void upstreamWritable() {
        if (!requestComplete && !done) {
            client.read();
        }
    }

    void clientWritable() {
        if (responseStarted && !done && upstream != null) {
            upstream.read();
        }
    }

    void response(HttpResponse r) {
        if (done) {
            return;
        }
        responseTimer.cancel(false);
        if (r.status().code() == 100) { // 100-continue: pass it on, the real answer follows
            client.writeAndFlush(r);
            return;
        }
        responseStarted = true;
        status = r.status().code();
        upstreamKeepAlive = HttpUtil.isKeepAlive(r);
        ForwardedHeaders.removeHopByHop(r.headers());
        if (!clientKeepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (clientHttp10) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        client.write(r);
    }

    void responseContent(HttpContent c) {
        if (done || !responseStarted) {
            c.release();
            return;
        }
        if (c instanceof LastHttpContent) {
            client.writeAndFlush(c);
            finish();
        } else {
            client.write(c);
        }
    }

    /** After a batch of upstream reads: flush to the client, and read on only while it keeps up. */
    void upstreamReadComplete() {
        client.flush();
        if (!done && client.channel().isWritable()) {
            upstream.read();
        }
    }

    private void finish() {
        done = true;
        px.metrics.httpRequest(routeName, status);
        logAccess();
        upstream.pipeline().remove(UpstreamHttpHandler.class);
        if (upstreamKeepAlive && requestComplete) {
            px.httpPool.release(endpoint, upstream);
        } else {
            upstream.close();
        }
        owner.exchangeDone(clientKeepAlive && requestComplete);
    }

    void upstreamClosed() {
        if (done) {
            return;
        }
        if (!responseStarted && reused && !bodySent && requestComplete) {
            // a parked connection the upstream had just closed: try once more on a fresh one
            responseTimer.cancel(false);
            upstream = null;
            connectFresh();
            return;
        }
        if (responseStarted) {
            done = true;
            logAccess();
            client.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        fail(HttpResponseStatus.BAD_GATEWAY, "upstream closed the connection before answering");
    }

    void upstreamFailed(Throwable cause) {
        LOG.debugf("http: upstream %s failed: %s", endpoint, cause.toString());
        if (upstream != null) {
            upstream.close();
        }
    }

    void clientClosed() {
        abandon();
    }

    /** Ends the exchange without a clean response: stops the timer, drops held body chunks, closes the upstream. */
    private boolean abandon() {
        if (done) {
            return false;
        }
        done = true;
        if (responseTimer != null) {
            responseTimer.cancel(false);
        }
        pendingBody.forEach(ReferenceCountUtil::safeRelease);
        pendingBody.clear();
        if (upstream != null) {
            upstream.close();
        }
        return true;
    }

    private void logAccess() {
        px.accessLog.http(client.channel().remoteAddress().toString(), head.method().name(), request.rawHost(),
                request.pathAndQuery(), routeName, endpoint, status, System.nanoTime() - started);
    }

    private void fail(HttpResponseStatus s, String why) {
        if (!abandon()) {
            return;
        }
        status = s.code();
        px.metrics.httpRequest(routeName, status);
        logAccess();
        if (responseStarted) {
            client.close();
            return;
        }
        boolean keepAlive = clientKeepAlive && requestComplete;
        client.writeAndFlush(HttpResponses.of(s, why, !keepAlive));
        owner.exchangeDone(keepAlive);
    }
}

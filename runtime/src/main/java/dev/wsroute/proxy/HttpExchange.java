package dev.wsroute.proxy;

import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import dev.wsroute.model.RouteId;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.Pool;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
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

/**
 * One plain HTTP request and its response, streamed both ways: each chunk is written as it arrives and the next
 * read waits until the other side can take more. Upstream connections are kept alive and reused per event loop.
 */
final class HttpExchange implements UpstreamDialer.Owner {
    private static final Logger LOG = Logger.getLogger(HttpExchange.class);

    private final ProxyContext px;
    private final ChannelHandlerContext client;
    private final ClientRequestReceiver owner;
    private final AccessLog.Request request;
    private final HttpRequest head;
    private final Pool pool;
    private final RouteId route;
    private final boolean clientKeepAlive;
    private final boolean clientHttp10;
    private final long started = System.nanoTime();
    /** Body bytes held while connecting, beyond which the client is not read until the upstream takes them. */
    private static final int MAX_PENDING_BODY = 64 * 1024;
    private final List<HttpContent> pendingBody = new ArrayList<>(1);
    private int pendingBytes;
    private Endpoint endpoint; // held (counted in use) from connect until the exchange ends
    private Endpoint servedBy; // for the access log
    private Channel upstream;
    private boolean reused;
    private boolean bodySent;
    private boolean requestComplete;
    private boolean responseStarted;
    private boolean upstreamKeepAlive;
    private boolean done;
    private int status;
    private final LoopClock.Deadline responseTimer = new LoopClock.Deadline(
            () -> fail(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream did not answer in time"));
    private LoopClock clock;

    HttpExchange(ProxyContext px, ChannelHandlerContext client, ClientRequestReceiver owner, AccessLog.Request request,
            HttpRequest head, Pool pool, RouteId route, boolean clientKeepAlive, boolean clientHttp10) {
        this.px = px;
        this.client = client;
        this.owner = owner;
        this.request = request;
        this.head = head;
        this.pool = pool;
        this.route = route;
        this.clientKeepAlive = clientKeepAlive;
        this.clientHttp10 = clientHttp10;
    }

    void start() {
        px.dialer.dial(client.channel().eventLoop(), pool, null, null, true, this);
    }

    // --- UpstreamDialer.Owner ---

    @Override
    public boolean abandoned() {
        return done;
    }

    @Override
    public void initChannel(ChannelPipeline p) {
        p.addLast("http", new HttpClientCodec(4096, 64 * 1024, 16 * 1024));
        p.addLast("exchange", new UpstreamHttpHandler());
    }

    @Override
    public void connected(Channel ch, Endpoint e, boolean reusedConnection) {
        endpoint = e;
        servedBy = e;
        reused = reusedConnection;
        upstream = ch;
        UpstreamHttpHandler.of(ch).attach(this);
        ch.write(head);
        for (HttpContent c : pendingBody) {
            bodySent = true;
            ch.write(c);
        }
        pendingBody.clear();
        ch.flush();
        pendingBytes = 0;
        clock = LoopClock.of(client.channel().eventLoop());
        clock.arm(responseTimer, px.config.upstream().responseTimeout().toNanos());
        // reads run freely both ways and pause only while the other side can't take more (no per-request toggling)
        client.channel().config().setAutoRead(requestComplete || ch.isWritable());
        ch.config().setAutoRead(client.channel().isWritable());
    }

    @Override
    public void failed(boolean noEndpoint) {
        fail(noEndpoint ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.BAD_GATEWAY,
                noEndpoint ? "no ready endpoint" : "every endpoint refused the connection");
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
            pendingBytes += c.content().readableBytes();
            if (pendingBytes > MAX_PENDING_BODY) {
                client.channel().config().setAutoRead(false); // connected() reads on
            }
            return;
        }
        bodySent |= c.content().isReadable();
        upstream.writeAndFlush(c);
        if (!last && !upstream.isWritable()) {
            client.channel().config().setAutoRead(false); // upstreamWritable() reads on
        }
    }

    boolean requestComplete() {
        return requestComplete;
    }

    void upstreamWritable() {
        if (!requestComplete && !done) {
            client.channel().config().setAutoRead(true);
        }
    }

    void clientWritable() {
        if (!done && upstream != null) {
            upstream.config().setAutoRead(true);
        }
    }

    void response(HttpResponse r) {
        if (done) {
            return;
        }
        if (r.status().code() == 100) { // 100-continue: pass it on (complete, so the encoder expects the final answer next)
            if (!clientHttp10) {
                client.writeAndFlush(new io.netty.handler.codec.http.DefaultFullHttpResponse(r.protocolVersion(), r.status()));
            }
            clock.arm(responseTimer, px.config.upstream().responseTimeout().toNanos()); // the final answer is due in turn
            return;
        }
        clock.disarm(responseTimer);
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

    /** After a batch of upstream reads: flush to the client, and pause the upstream while the client can't keep up. */
    void upstreamReadComplete() {
        client.flush();
        if (!done && !client.channel().isWritable()) {
            upstream.config().setAutoRead(false); // clientWritable() reads on
        }
    }

    private void finish() {
        done = true;
        px.metrics.httpRequest(route, status);
        logAccess();
        UpstreamHttpHandler.of(upstream).detach();
        if (upstreamKeepAlive && requestComplete) {
            upstream.config().setAutoRead(true); // parked, it notices a close or stray bytes
            px.httpPool.release(endpoint, upstream);
        } else {
            upstream.close();
        }
        releaseEndpoint();
        owner.exchangeDone(clientKeepAlive && requestComplete);
    }

    void upstreamClosed() {
        if (done) {
            return;
        }
        if (!responseStarted && reused && !bodySent && requestComplete) {
            // a parked connection the upstream had just closed: try once more on a fresh one
            clock.disarm(responseTimer);
            upstream = null;
            releaseEndpoint();
            px.dialer.dial(client.channel().eventLoop(), pool, null, null, false, this);
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
        LOG.debugf("http: upstream %s failed: %s", servedBy, cause.toString());
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
        if (clock != null) {
            clock.disarm(responseTimer);
        }
        pendingBody.forEach(ReferenceCountUtil::safeRelease);
        pendingBody.clear();
        if (upstream != null) {
            upstream.close();
        }
        releaseEndpoint();
        return true;
    }

    private void releaseEndpoint() {
        if (endpoint != null) {
            px.dialer.release(endpoint);
            endpoint = null;
        }
    }

    private void logAccess() {
        px.accessLog.http(request, head.method().name(), route, servedBy, status, System.nanoTime() - started);
    }

    private void fail(HttpResponseStatus s, String why) {
        if (!abandon()) {
            return;
        }
        status = s.code();
        px.metrics.httpRequest(route, status);
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

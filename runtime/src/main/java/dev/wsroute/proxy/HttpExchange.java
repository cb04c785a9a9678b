package dev.wsroute.proxy;

import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import dev.wsroute.http.BadResponse;
import dev.wsroute.http.ClientHttpDecoder;
import dev.wsroute.http.HeadFields;
import dev.wsroute.http.RefusedRequest;
import dev.wsroute.http.ResponseHead;
import dev.wsroute.http.ResponseReader;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.Pool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * One plain HTTP request and its response, streamed both ways: each part is written as it arrives and the next
 * read waits until the other side can take more. No HTTP codec on the upstream connection: the request head is
 * written from the parse in one buffer, the body as the client sent it (a chunked one with its chunk lines,
 * extensions and trailers, checked by the client decoder), and the answer goes to the client as the upstream wrote
 * it, past the client's encoder — only a head with hop-by-hop fields is rewritten, and a chunked body decoded for an
 * HTTP/1.0 client. Upstream connections are kept alive and reused per event loop.
 */
final class HttpExchange implements UpstreamDialer.Owner, ResponseReader.Sink {
    private static final Logger LOG = Logger.getLogger(HttpExchange.class);
    /** Body bytes held while connecting, beyond which the client is not read until the upstream takes them. */
    private static final int MAX_PENDING_BODY = 64 * 1024;

    private final ProxyContext px;
    private final ChannelHandlerContext client;
    private final ClientRequestReceiver owner;
    private final AccessLog.Request request;
    private final String method;
    /**
     * The request head as it goes upstream, written once from the edited fields; held until the exchange ends, since
     * a reused connection that closed before answering gets it again on a fresh one ({@link #upstreamClosed}).
     */
    private ByteBuf requestHead;
    private final Pool pool;
    private final RouteId route;
    private final boolean clientKeepAlive;
    private final boolean clientHttp10;
    private final boolean hasBody;
    /** For the access log's duration; not read (and no clock read) with the log off. */
    private final long started;
    private List<HttpContent> pendingBody; // body parts that came before the upstream connection, rare
    private int pendingBytes;
    private Endpoint endpoint; // held (counted in use) from connect until the exchange ends
    private Endpoint servedBy; // for the access log
    private Channel upstream;
    /** The dial that finds the upstream, to give up a connect under way when the exchange ends without it. */
    private UpstreamDialer.Dial dialing;
    private UpstreamHttpHandler upstreamHandler;
    private boolean reused;
    private boolean bodySent;
    private boolean requestComplete;
    /** The body's deadline on the client while the body is due (null: no body, or it is complete). */
    private RequestBodyTimeout bodyTimeout;
    /** {@code Expect: 100-continue}, and neither a 100 nor a byte of the body yet: the client may be waiting for the upstream. */
    private boolean awaitingContinue;
    /** Why the proxy cut the request short, for the access log (null: the status says it all). */
    private String reason;
    private boolean responseStarted;
    /** The client connection closes after this answer (the client asked, or the answer runs until the upstream closes). */
    private boolean closeClient;
    private boolean upstreamReusable;
    private boolean done;
    private int status;

    /**
     * @param requestHead the request head for the upstream (see {@link HeadFields#write}); the exchange releases it
     */
    HttpExchange(ProxyContext px, ChannelHandlerContext client, ClientRequestReceiver owner, AccessLog.Request request,
            String method, ByteBuf requestHead, Pool pool, RouteId route,
            boolean clientKeepAlive, boolean clientHttp10, boolean hasBody, boolean expectContinue) {
        this.px = px;
        this.client = client;
        this.owner = owner;
        this.request = request;
        this.method = method;
        this.requestHead = requestHead;
        this.pool = pool;
        this.route = route;
        this.clientKeepAlive = clientKeepAlive;
        this.clientHttp10 = clientHttp10;
        this.hasBody = hasBody;
        this.awaitingContinue = expectContinue && hasBody;
        this.started = request != null ? System.nanoTime() : 0;
    }

    void start() {
        if (hasBody) {
            bodyTimeout = owner.bodyTimeout();
            bodyTimeout.start(this);
        }
        dialing = px.dialer.dial(client.channel().eventLoop(), pool, null, null, true, this);
    }

    // --- UpstreamDialer.Owner ---

    @Override
    public boolean abandoned() {
        return done;
    }

    @Override
    public void initChannel(ChannelPipeline p) {
        p.addLast("exchange", new UpstreamHttpHandler());
    }

    @Override
    public void connected(Channel ch, Endpoint e, boolean reusedConnection) {
        dialing = null; // the dial is over: nothing left to abandon, nothing of it held
        endpoint = e;
        servedBy = e;
        reused = reusedConnection;
        upstream = ch;
        upstreamHandler = UpstreamHttpHandler.of(ch);
        upstreamHandler.attach(this, method.equals("HEAD"), !clientHttp10); // no chunked coding for HTTP/1.0 (RFC 9112 §7.1)
        // the exchange keeps a reference for a retry; no duplicate buffer per request (a second buffer class on the write
        // path costs more than the object): a retry comes after the closed connection gave its reference back, and a
        // partial write there may have moved the reader index
        ch.write(requestHead.readerIndex(0).retain(), ch.voidPromise());
        if (pendingBody != null) {
            pendingBody.forEach(this::writeBody);
            pendingBody = null;
        }
        ch.flush();
        pendingBytes = 0;
        // the answer is due from the request's end; before it, while the upstream is to say whether the body comes
        // (100 Continue), and while it takes none of what came of the body
        if (requestComplete || awaitingContinue || !ch.isWritable()) {
            upstreamHandler.answerDueIn(responseTimeoutNanos());
        }
        // reads run freely both ways and pause only while the other side can't take more (no per-request toggling)
        readClient(requestComplete || ch.isWritable());
        autoRead(ch, client.channel().isWritable());
    }

    @Override
    public void failed(UpstreamDialer.Failure why) {
        switch (why) {
            case NO_ENDPOINT -> fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "no ready endpoint");
            case REFUSED -> fail(HttpResponseStatus.BAD_GATEWAY, "every endpoint refused the connection");
            case NO_SOCKET -> fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "out of file descriptors: no connection to an upstream could be opened");
        }
    }

    /** A part of the client's request body, as it came; one whose framing broke (or ran over the limit) ends it. */
    void clientContent(HttpContent c) {
        if (c.decoderResult().isFailure()) {
            c.release();
            RefusedRequest why = (RefusedRequest) c.decoderResult().cause();
            fail(HttpResponseStatus.valueOf(why.status()), why.getMessage()); // the upstream connection is closed
            return;
        }
        if (c instanceof ClientHttpDecoder.Trailers t && t.droppedFields() != null) {
            px.droppedTrailers.dropped(px.metrics, route, "client", t.droppedFields());
        }
        boolean last = c instanceof LastHttpContent;
        if (done) {
            c.release();
            requestComplete |= last;
            return;
        }
        requestComplete |= last;
        if (bodyTimeout != null) {
            if (last) {
                bodyDone();
            } else {
                bodyTimeout.progress();
            }
        }
        if (awaitingContinue) { // the client sends without waiting for a 100: the answer is due from the body's end
            awaitingContinue = false;
            if (upstreamHandler != null) {
                upstreamHandler.answerNoLongerDue();
            }
        }
        if (upstream == null) {
            if (!c.content().isReadable()) {
                c.release(); // the end of a request without a body: nothing to hold
                return;
            }
            if (pendingBody == null) {
                pendingBody = new ArrayList<>(2);
            }
            pendingBody.add(c);
            pendingBytes += c.content().readableBytes();
            if (pendingBytes > MAX_PENDING_BODY) {
                client.channel().config().setAutoRead(false); // connected() reads on
            }
            return;
        }
        if (writeBody(c)) {
            upstream.flush();
        }
        boolean heldUp = !last && !upstream.isWritable();
        if (heldUp) {
            client.channel().config().setAutoRead(false); // upstreamWritable() reads on
        }
        // an answer is due once the whole request is upstream, or while the upstream holds the upload up (not the
        // client): the same time bounds both; one that started already (an early answer) is not due again
        if ((last || heldUp) && !responseStarted) {
            upstreamHandler.answerDueIn(responseTimeoutNanos());
        }
    }

    private long responseTimeoutNanos() {
        return px.config.upstream().responseTimeout().toNanos();
    }

    /**
     * A read of the client is done, while this exchange is the current one: a body not complete yet made progress. Its
     * parts count as they come too ({@link #clientContent}), but the bytes of a trailer line reach the exchange only once
     * the trailer section is complete, so a client sending a long trailer slowly looked silent.
     */
    void clientRead() {
        if (bodyTimeout != null && !done) {
            bodyTimeout.progress();
        }
    }

    /** Whether the proxy holds the client back: it does not read it, or the client may wait for the upstream's 100. */
    boolean clientHeld() {
        return awaitingContinue || !client.channel().config().isAutoRead();
    }

    /** The client sent no byte of its body for the body timeout while the proxy was reading it. */
    void bodyLate() {
        reason = "request body stalled";
        fail(HttpResponseStatus.REQUEST_TIMEOUT, "no byte of the request body came within the request body timeout");
    }

    private void bodyDone() {
        if (bodyTimeout != null) {
            bodyTimeout.stop();
            bodyTimeout = null;
        }
    }

    /** Reads the client on, or holds it back; when reading resumes, a body's wait starts over (it was not late meanwhile). */
    private void readClient(boolean on) {
        Channel ch = client.channel();
        if (ch.config().isAutoRead() != on) {
            ch.config().setAutoRead(on);
            if (on && bodyTimeout != null) {
                bodyTimeout.progress();
            }
        }
    }

    /** @return whether there were bytes to write (an empty last part, the end of most requests, has none) */
    private boolean writeBody(HttpContent c) {
        ByteBuf data = c.content();
        if (data.isReadable()) {
            bodySent = true;
            upstream.write(data, upstream.voidPromise());
            return true;
        }
        c.release();
        return false;
    }

    /**
     * Turns reading on or off where it is not so already: the same as {@code setAutoRead}, without its atomic swap on
     * every request (reading is mostly on already, both ways).
     */
    static void autoRead(Channel ch, boolean on) {
        if (ch.config().isAutoRead() != on) {
            ch.config().setAutoRead(on);
        }
    }

    void upstreamWritable() {
        if (!requestComplete && !done && !client.channel().config().isAutoRead()) {
            upstreamHandler.answerNoLongerDue(); // it took what it had: the client is due to send more
            readClient(true);
        }
    }

    void clientWritable() {
        if (!done && upstream != null) {
            upstream.config().setAutoRead(true);
        }
    }

    // --- ResponseReader.Sink: the answer, relayed as bytes ---

    @Override
    public void informational(ResponseHead head, ByteBuf in) {
        if (done) {
            return;
        }
        if (!clientHttp10) { // 100 Continue, 103 Early Hints: an HTTP/1.0 client knows none
            client.write(head.forClient(in, client.alloc(), null), client.voidPromise());
        }
        if (awaitingContinue && head.status() == 100) { // the body is due from the client now, the answer from its end
            awaitingContinue = false;
            upstreamHandler.answerNoLongerDue();
            bodyTimeout.progress();
        }
        // else the deadline stays: it bounds the time to the final answer, so an upstream sending 1xx after 1xx can't hold the request
    }

    @Override
    public ByteBuf head(ResponseHead head, ByteBuf in, boolean decoded) {
        if (done) {
            return null;
        }
        upstreamHandler.answerNoLongerDue();
        // a body without its own end (until the upstream closes, or decoded from chunks) ends when the client connection does
        // leaving (SIGTERM) since the request came: this answer says so too
        // an answer before the request's end (an early 413): the rest of the body is never read, the connection ends after it
        closeClient = !requestComplete || !clientKeepAlive || px.leaving || decoded || head.body(method.equals("HEAD")) == ResponseHead.Body.UNTIL_CLOSE;
        // no Transfer-Encoding for an HTTP/1.0 client (RFC 9112 §6.1): its chunked body is decoded, a body-less answer needs none
        ByteBuf rewritten = head.rewriteFor(in, client.alloc(), closeClient ? "close" : clientHttp10 ? "keep-alive" : null, decoded || clientHttp10);
        responseStarted = true;
        status = head.status();
        owner.responseRelayed();
        return rewritten;
    }

    @Override
    public void relay(ByteBuf bytes) {
        if (done) {
            bytes.release();
            return;
        }
        client.write(bytes, client.voidPromise()); // a failed write closes the connection (exceptionCaught): no promise per part
    }

    @Override
    public void end(boolean reusable) {
        if (!done) {
            upstreamReusable = reusable;
            finish();
        }
    }

    @Override
    public void trailerFieldsDropped(String fields) {
        px.droppedTrailers.dropped(px.metrics, route, "upstream", fields);
    }

    /** The upstream sent what the proxy won't relay: 502 if the client got nothing of it yet, else the client is cut off. */
    void badResponse(BadResponse why) {
        LOG.debugf("http: unreadable answer from %s: %s", servedBy, why.getMessage());
        fail(HttpResponseStatus.BAD_GATEWAY, "upstream answer unreadable: " + why.getMessage());
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
        bodyDone();
        releaseRequestHead();
        client.flush();
        px.metrics.httpRequest(route, status);
        logAccess();
        upstreamHandler.detach();
        if (upstreamReusable && requestComplete) {
            autoRead(upstream, true); // parked, it notices a close or stray bytes
            px.httpPool.release(endpoint, upstreamHandler);
        } else {
            upstream.close(); // from the upstream's own event (its answer's end or its close): at once, see PeerClose
        }
        releaseEndpoint();
        // a client that did not ask for the close may have pipelined requests behind this one that no read has reached
        // yet: its close lingers too, else those bytes make the kernel reset the connection under the answer (RFC 9112 §9.6)
        owner.exchangeDone(!closeClient && requestComplete, !requestComplete || closeClient && clientKeepAlive);
    }

    void upstreamClosed(ResponseReader reader) {
        if (done) {
            return;
        }
        if (!responseStarted && reused && !bodySent && reader.beforeHead()) {
            // a parked connection the upstream had just closed (its deadline went with it): try once more on a fresh one;
            // a body still to come (one the client holds until a 100 Continue) is held for it as for any dial
            upstream = null;
            upstreamHandler = null;
            releaseEndpoint();
            dialing = px.dialer.dial(client.channel().eventLoop(), pool, null, null, false, this);
            return;
        }
        try {
            reader.closed(this); // the end of a body that runs until the close
        } catch (BadResponse cut) {
            fail(HttpResponseStatus.BAD_GATEWAY, "upstream closed the connection before answering");
        }
    }

    /** The upstream's answer did not come within the response timeout. */
    void answerLate() {
        fail(HttpResponseStatus.GATEWAY_TIMEOUT, requestComplete || awaitingContinue ? "upstream did not answer in time"
                : "upstream did not take the request body in time");
    }

    void upstreamFailed(Throwable cause) {
        LOG.debugf("http: upstream %s failed: %s", servedBy, cause.toString());
        if (upstream != null) {
            upstream.close(); // its own error: at once
        }
    }

    void clientClosed() {
        if (abandon()) { // before the end of its answer: logged with the status passed on, or 499 before any
            if (!responseStarted) {
                status = HttpResponses.CLIENT_CLOSED;
            }
            px.metrics.httpRequest(route, status);
            logAccess();
        }
    }

    /** Ends the exchange without a clean response: stops the timer, drops held body chunks, closes the upstream. */
    private boolean abandon() {
        if (done) {
            return false;
        }
        done = true;
        bodyDone();
        releaseRequestHead();
        if (upstreamHandler != null) {
            upstreamHandler.answerNoLongerDue();
        }
        if (dialing != null) {
            dialing.abandon(); // a connect under way (408, the client left): closed now, not at its connect timeout
            dialing = null;
        }
        if (pendingBody != null) {
            pendingBody.forEach(ReferenceCountUtil::safeRelease);
            pendingBody = null;
        }
        if (upstream != null) {
            PeerClose.close(upstream); // from a client event or a timer: not the channel whose event runs
        }
        releaseEndpoint();
        return true;
    }

    private void releaseRequestHead() {
        if (requestHead != null) {
            requestHead.release();
            requestHead = null;
        }
    }

    private void releaseEndpoint() {
        if (endpoint != null) {
            px.dialer.release(endpoint);
            endpoint = null;
        }
    }

    /** With the log off (no request kept for it) no clock read: the duration is for the log line alone. */
    private void logAccess() {
        px.accessLog.http(request, method, route, servedBy, status, request != null ? System.nanoTime() - started : 0, reason);
    }

    private void fail(HttpResponseStatus s, String why) {
        if (!abandon()) {
            return;
        }
        if (responseStarted) { // the client has part of the answer: pass on what was read, then cut it off
            px.metrics.httpRequest(route, status);
            logAccess();
            client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(PeerClose.AFTER_WRITE);
            return;
        }
        status = s.code();
        px.metrics.httpRequest(route, status);
        logAccess();
        boolean keepAlive = clientKeepAlive && requestComplete;
        client.writeAndFlush(HttpResponses.of(s, why, !keepAlive));
        // a client that stopped sending (408) is not waited for; any other may still be sending its body (a 503 to an upload)
        owner.exchangeDone(keepAlive, !requestComplete && s != HttpResponseStatus.REQUEST_TIMEOUT);
    }
}

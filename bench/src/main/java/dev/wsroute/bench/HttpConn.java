package dev.wsroute.bench;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.CountDownLatch;

/** One keep-alive HTTP/1.1 connection: GET, wait for the whole response, repeat. */
final class HttpConn extends SimpleChannelInboundHandler<FullHttpResponse> implements Participant.Connection {
    private final Tally tally = new Tally();
    private final String path;
    private final String host;
    private final long maxOps;
    private final Pacer pacer;
    private final CountDownLatch settled;
    private Channel channel;
    private Run run;
    private long sentAt;
    private boolean finished;
    private Throwable cause; // why the connection ended early, for the error count

    HttpConn(String path, String host, long maxOps, Pacer pacer, CountDownLatch settled) {
        this.path = path;
        this.host = host;
        this.maxOps = maxOps;
        this.pacer = pacer;
        this.settled = settled;
    }

    @Override
    public boolean isOpen() {
        return channel != null && channel.isActive();
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    public Tally tally() {
        return tally;
    }

    @Override
    public void start(Run run) {
        this.run = run;
        pacer.schedule(channel.eventLoop(), this::send);
    }

    private void send() {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.EMPTY_BUFFER);
        req.headers().set(HttpHeaderNames.HOST, host);
        sentAt = pacer.begin();
        channel.writeAndFlush(req);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        settled.countDown();
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse res) {
        if (run == null || finished) {
            return;
        }
        if (run.measuring()) {
            if (HttpResponseStatus.OK.equals(res.status())) {
                tally.latency.recordSince(sentAt);
                tally.ops++;
            } else {
                tally.errors++; // an error answer (502, 503 ...) is not a request served
                ErrorCauses.note("http: answer " + res.status().code(), null);
            }
        }
        if (!HttpUtil.isKeepAlive(res)) {
            tally.errors++;
            ErrorCauses.note("http: answer " + res.status().code() + " without keep-alive", null);
            finish();
        } else if (tally.ops >= maxOps || run.over()) {
            finish();
        } else {
            pacer.schedule(ctx.channel().eventLoop(), this::send);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        this.cause = cause;
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (run != null && !finished) {
            tally.errors++;
            ErrorCauses.note("http: connection closed", cause);
            finish();
        }
    }

    private void finish() {
        finished = true;
        run.participantDone();
    }
}

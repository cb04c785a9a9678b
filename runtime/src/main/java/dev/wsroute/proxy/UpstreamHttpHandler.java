package dev.wsroute.proxy;

import dev.wsroute.http.BadResponse;
import dev.wsroute.http.ResponseReader;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The one handler of a plain HTTP upstream connection, for its whole life: it reads the answers with its
 * {@link ResponseReader} (no HTTP codec) and hands their parts to the {@link HttpExchange} that uses the
 * connection, and while the connection is parked in the {@link UpstreamPool} it guards it: any byte, close or FIN,
 * or the idle deadline, retires it. Attaching and parking change no pipeline and schedule no timer task: the one
 * deadline of the connection is the answer's while an exchange waits for it, and the idle one while it is parked.
 */
final class UpstreamHttpHandler extends ChannelInboundHandlerAdapter {
    private final LoopClock.Deadline deadline = new LoopClock.Deadline(this::deadlinePassed);
    private final ResponseReader reader = new ResponseReader();
    private ChannelHandlerContext ctx;
    private HttpExchange exchange;
    private UpstreamPool.IdleQueue parkedIn;
    /** While parked: the connections of its loop's pool parked just before and just after it (kept by the pool). */
    UpstreamHttpHandler parkedBefore;
    UpstreamHttpHandler parkedAfter;
    private LoopClock clock;

    static UpstreamHttpHandler of(Channel ch) {
        return ch.pipeline().get(UpstreamHttpHandler.class);
    }

    /** Not {@code @Sharable}, said as a constant: Netty's own answer is a per-thread map look-up by class, at every add. */
    @Override
    public boolean isSharable() {
        return false;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.clock = LoopClock.of(ctx.channel().eventLoop());
    }

    /**
     * The exchange's request goes out next; {@code headRequest}: its answer has no body; {@code chunkedToClient}: a
     * chunked answer may go to the client as it came (else it is decoded).
     */
    void attach(HttpExchange e, boolean headRequest, boolean chunkedToClient) {
        clock.pause(deadline); // the answer's is armed next, in place
        parkedIn = null;
        exchange = e;
        reader.expect(headRequest, chunkedToClient);
    }

    void detach() {
        exchange = null;
        clock.pause(deadline); // parked next (its idle deadline), or closed (channelInactive takes it out)
    }

    /** The attached exchange's final answer is due within {@code nanos} (1xx heads before it do not move the deadline). */
    void answerDueIn(long nanos) {
        clock.arm(deadline, nanos);
    }

    /** The answer's head came, or the exchange ended: no deadline until the next exchange or parking. */
    void answerNoLongerDue() {
        clock.pause(deadline);
    }

    private void deadlinePassed() {
        HttpExchange e = exchange;
        if (e != null) {
            e.answerLate();
        } else {
            retire();
        }
    }

    /** Parks the connection in an idle queue of its loop, for at most {@code idleNanos}. */
    void park(UpstreamPool.IdleQueue queue, long idleNanos) {
        exchange = null;
        parkedIn = queue;
        clock.arm(deadline, idleNanos);
    }

    Channel channel() {
        return ctx.channel();
    }

    /** Closes the connection, and while parked takes it out of the pool first. */
    void retire() {
        leavePool();
        ctx.close();
    }

    /** Out of its idle queue if parked, and no deadline left. */
    private void leavePool() {
        if (parkedIn != null) {
            parkedIn.remove(this);
            parkedIn = null;
        }
        clock.disarm(deadline);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        HttpExchange e = exchange;
        if (e == null || !(msg instanceof ByteBuf in)) { // parked (or between exchanges): an upstream that talks unasked is not reusable
            ReferenceCountUtil.release(msg);
            retire();
            return;
        }
        try {
            reader.read(in, e);
        } catch (BadResponse bad) {
            e.badResponse(bad);
        } finally {
            in.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.upstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null && ctx.channel().isWritable()) {
            exchange.upstreamWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            if (exchange == null) {
                retire();
            } else {
                ctx.close(); // the upstream's FIN: the end of a body that runs until then, or a cut answer
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        leavePool();
        if (exchange != null) {
            exchange.upstreamClosed(reader);
        }
        reader.reset();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (exchange != null) {
            exchange.upstreamFailed(cause);
        } else {
            retire();
        }
    }
}

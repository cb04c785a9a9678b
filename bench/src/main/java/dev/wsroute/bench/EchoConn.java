package dev.wsroute.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.concurrent.CountDownLatch;

/** One echo connection: send a message, wait for its echo, record the round trip, repeat. */
final class EchoConn implements WsListener, Participant.Connection {
    private final Tally tally = new Tally();
    private final ByteBuf payload;
    private final long maxOps;
    private final Pacer pacer;
    private final CountDownLatch settled;
    private Channel channel;
    private boolean signalled;
    private Run run;
    private long sentAt;
    private boolean finished;

    /** {@code settled} counts down once: when the connection opened or failed to. */
    EchoConn(ByteBuf payload, long maxOps, Pacer pacer, CountDownLatch settled) {
        this.payload = payload;
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

    void connectFailed() {
        signal();
    }

    private void signal() {
        if (!signalled) {
            signalled = true;
            settled.countDown();
        }
    }

    /** Starts the request/response loop on the channel's event loop. */
    @Override
    public void start(Run run) {
        this.run = run;
        pacer.schedule(channel.eventLoop(), this::send);
    }

    private void send() {
        sentAt = pacer.begin();
        channel.writeAndFlush(new BinaryWebSocketFrame(payload.duplicate()));
    }

    @Override
    public void onOpen(Channel ch) {
        channel = ch;
        signal();
    }

    @Override
    public void onFrame(Channel ch, WebSocketFrame frame) {
        if (run == null || finished) {
            return;
        }
        if (frame instanceof CloseWebSocketFrame) {
            tally.errors++;
            ErrorCauses.note("echo: Close " + ((CloseWebSocketFrame) frame).statusCode() + " from the proxy", null);
            finish();
            return;
        }
        if (frame.content().readableBytes() != payload.readableBytes() && run.measuring()) {
            tally.errors++;
            ErrorCauses.note("echo: wrong length " + frame.content().readableBytes(), null);
        }
        if (run.measuring()) {
            tally.latency.recordSince(sentAt);
            tally.ops++;
        }
        if (tally.ops >= maxOps || run.over()) {
            finish();
        } else {
            pacer.schedule(ch.eventLoop(), this::send);
        }
    }

    @Override
    public void onClosed(Channel ch, boolean wasOpen, Throwable cause) {
        signal();
        if (run != null && !finished) {
            tally.errors++;
            ErrorCauses.note("echo: connection closed", cause);
            finish();
        }
    }

    private void finish() {
        finished = true;
        run.participantDone();
    }
}

package dev.wsroute.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * One worker of the {@code sessions} scenario, pinned to one event loop: connect, upgrade, send one
 * message, wait for its echo, send Close, wait for the peer's Close, close; then the next session (when it is
 * due, with {@code --rate}).
 */
final class SessionWorker implements WsListener, Participant {
    private static final int MAX_FAILURES = 1000;
    private final Tally tally = new Tally();
    private long failures; // warm-up included: bounds the loop when the proxy refuses everything
    private final Target target;
    private final EventLoop loop;
    private final ByteBuf payload;
    private final long maxSessions;
    private final Pacer pacer;
    private Run run;
    private long startedAt;
    private boolean echoed;
    private boolean closeReceived;

    SessionWorker(Target target, EventLoop loop, ByteBuf payload, long maxSessions, Pacer pacer) {
        this.target = target;
        this.loop = loop;
        this.payload = payload;
        this.maxSessions = maxSessions;
        this.pacer = pacer;
    }

    @Override
    public void start(Run run) {
        this.run = run;
        loop.execute(this::next);
    }

    @Override
    public Tally tally() {
        return tally;
    }

    private void next() {
        if (tally.ops >= maxSessions || failures >= MAX_FAILURES || run.over()) {
            run.participantDone();
            return;
        }
        pacer.schedule(loop, this::connect);
    }

    private void connect() {
        echoed = false;
        closeReceived = false;
        startedAt = pacer.begin();
        target.connectWebSocket(this, loop).addListener(f -> {
            if (!f.isSuccess()) {
                failures++;
                if (run.measuring()) {
                    tally.errors++;
                    ErrorCauses.note("session connect failed", f.cause());
                }
                next();
            }
        });
    }

    @Override
    public void onOpen(Channel ch) {
        ch.writeAndFlush(new BinaryWebSocketFrame(payload.duplicate()));
    }

    @Override
    public void onFrame(Channel ch, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame) {
            closeReceived = true;
            ch.close();
        } else if (!echoed && frame.content().readableBytes() == payload.readableBytes()) {
            echoed = true;
            ch.writeAndFlush(new CloseWebSocketFrame(1000, "done"));
        } else {
            ch.close();
        }
    }

    @Override
    public void onClosed(Channel ch, boolean wasOpen, Throwable cause) {
        boolean completed = echoed && closeReceived;
        if (!completed) {
            failures++;
        }
        if (run.measuring()) {
            if (completed) {
                tally.ops++;
                tally.latency.recordSince(startedAt);
            } else {
                tally.errors++;
                ErrorCauses.note("session ended " + (!wasOpen ? "before the 101" : !echoed ? "before the echo"
                        : "before the peer's Close"), cause);
            }
        }
        next();
    }
}

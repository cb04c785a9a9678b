package dev.wsroute.bench;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens K WebSocket connections with at most P handshakes in flight, and keeps the open ones in a
 * channel group. Every attempt ends exactly once (opened or failed), which launches the next one.
 */
final class IdleOpener implements WsListener {
    final AtomicInteger opened = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger dropped = new AtomicInteger();
    final CountDownLatch settled;
    private final AtomicInteger launched = new AtomicInteger();
    private final Target target;
    private final int total;
    private final ChannelGroup channels;

    IdleOpener(Target target, int total, ChannelGroup channels) {
        this.target = target;
        this.total = total;
        this.channels = channels;
        this.settled = new CountDownLatch(total);
    }

    void launch() {
        if (launched.incrementAndGet() > total) {
            return;
        }
        target.connectWebSocket(this).addListener(f -> {
            if (!f.isSuccess()) {
                failed.incrementAndGet();
                attemptEnded();
            }
        });
    }

    private void attemptEnded() {
        settled.countDown();
        launch();
    }

    @Override
    public void onOpen(Channel ch) {
        channels.add(ch);
        opened.incrementAndGet();
        attemptEnded();
    }

    @Override
    public void onFrame(Channel ch, WebSocketFrame frame) {
        // idle connections expect nothing; a Close from the peer ends in onClosed
    }

    @Override
    public void onClosed(Channel ch, boolean wasOpen, Throwable cause) {
        if (wasOpen) {
            dropped.incrementAndGet();
        } else {
            failed.incrementAndGet();
            attemptEnded();
        }
    }
}

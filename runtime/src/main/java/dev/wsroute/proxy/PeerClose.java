package dev.wsroute.proxy;

import java.util.concurrent.RejectedExecutionException;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/**
 * Closing a channel from another channel's event: not at once but as a task of its event loop, which runs after the
 * batch of I/O events the loop is handling. Netty 4.1's epoll loop hands each event of a batch to the channel
 * registered under the event's file descriptor number ({@code EpollEventLoop.processReady} looks the number up per
 * event; nothing ties an event to the channel it was reported for). A peer closed at once frees its number; a channel
 * opened later in the same batch (an accepted client, an upstream connect) gets the lowest free number, often that
 * one, and then receives the closed peer's pending event: a stale hang-up shuts its input (on a socket still
 * connecting, Linux then aborts the connect), a stale read on a socket never connected fails with
 * {@code NotYetConnectedException}. A channel closing itself is safe: the kernel reports a descriptor once per batch,
 * and its event is the one being handled. (TunnelSide.closeAfterFlushSoon defers the tunnel's own closes the same way.)
 */
final class PeerClose {
    /** For a write to a peer: close it once the write is done, as {@link ChannelFutureListener#CLOSE}, but later. */
    static final ChannelFutureListener AFTER_WRITE = f -> close(f.channel());

    private PeerClose() {
    }

    static void close(Channel peer) {
        try {
            peer.eventLoop().execute(peer::close);
        } catch (RejectedExecutionException shuttingDown) {
            peer.close();
        }
    }
}

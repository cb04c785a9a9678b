package dev.wsroute.bench;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/** Events of one client WebSocket connection, all called on the channel's event loop. */
interface WsListener {
    /** The 101 arrived and was checked; frames can be sent. */
    void onOpen(Channel ch);

    /** A data frame or the peer's Close frame; the caller releases it after the call. */
    void onFrame(Channel ch, WebSocketFrame frame);

    /** The TCP connection is gone; {@code cause} is the first error seen, or null. */
    void onClosed(Channel ch, boolean wasOpen, Throwable cause);
}

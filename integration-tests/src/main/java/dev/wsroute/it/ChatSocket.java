package dev.wsroute.it;

import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;

/** The app's own WebSocket endpoint: no route claims /chat, so the listener sends the upgrade to the app. */
@WebSocket(path = "/chat")
public class ChatSocket {

    @OnTextMessage
    String onMessage(String message, WebSocketConnection connection) {
        return "app got '" + message + "' from " + connection.handshakeRequest().header("X-Forwarded-For");
    }
}

package dev.wsroute.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

/** The JDK's java.net.http WebSocket client, collecting text messages in a queue. */
public final class WsClients {
    private WsClients() {
    }

    /** An open WebSocket and the messages it received. */
    public record Session(WebSocket socket, BlockingQueue<String> received) {
        /** Sends a text message and waits (10 s at most) for the next one received; null when none came. */
        public String exchange(String text) throws Exception {
            socket.sendText(text, true).get(10, TimeUnit.SECONDS);
            return received.poll(10, TimeUnit.SECONDS);
        }
    }

    /** Opens a WebSocket to uri (ws:// or wss://) trusting ctx; the future fails as the handshake does. */
    public static CompletableFuture<Session> open(SSLContext ctx, URI uri) {
        HttpClient client = HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5)).build();
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        StringBuilder partial = new StringBuilder();
        return client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(uri, new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    received.add(partial.toString());
                    partial.setLength(0);
                }
                ws.request(1);
                return null;
            }
        }).thenApply(ws -> new Session(ws, received));
    }
}

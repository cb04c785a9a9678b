package dev.wsroute.operator.cluster;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A JDK WebSocket client that collects the text it receives and the close code, for tests. */
final class EchoClient implements WebSocket.Listener {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private final WebSocket socket;

    private EchoClient(URI uri) throws Exception {
        socket = HTTP.newWebSocketBuilder().buildAsync(uri, this).get(10, TimeUnit.SECONDS);
    }

    static EchoClient connect(int port, String path) throws Exception {
        return new EchoClient(URI.create("ws://127.0.0.1:" + port + path));
    }

    /** Sends {@code text} and returns the reply (the echo backends prefix it with their name). */
    String roundTrip(String text) throws Exception {
        socket.sendText(text, true).get(10, TimeUnit.SECONDS);
        String reply = received.poll(10, TimeUnit.SECONDS);
        if (reply == null) {
            throw new AssertionError("no reply to " + text);
        }
        return reply;
    }

    /** The close code received from the proxy, or null while open. */
    Integer closeCode() {
        return closed.getNow(null);
    }

    void close() {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
    }

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

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        closed.complete(-1);
    }
}

package dev.wsroute.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The JDK's own WebSocket client (java.net.http), with received messages and the close in queues: the one every test uses. */
public final class WsClient implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

    public final WebSocket ws;
    public final LinkedBlockingQueue<String> messages;
    public final CompletableFuture<Integer> closeCode;

    private WsClient(WebSocket ws, LinkedBlockingQueue<String> messages, CompletableFuture<Integer> closeCode) {
        this.ws = ws;
        this.messages = messages;
        this.closeCode = closeCode;
    }

    /** Connects to ws://127.0.0.1:port + path. */
    public static WsClient connect(int port, String path) throws Exception {
        return connect("ws://127.0.0.1:" + port + path, Map.of());
    }

    public static WsClient connect(String uri, Map<String, String> headers, String... subprotocols) throws Exception {
        return connect(HTTP, uri, headers, subprotocols);
    }

    public static WsClient connect(HttpClient client, String uri, Map<String, String> headers, String... subprotocols) throws Exception {
        LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket.Builder b = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30));
        headers.forEach(b::header);
        if (subprotocols.length > 0) {
            b.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        StringBuilder partial = new StringBuilder();
        WebSocket ws = b.buildAsync(URI.create(uri), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    q.add(partial.toString());
                    partial.setLength(0);
                }
                w.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                closed.complete(code);
                return null;
            }

            @Override
            public void onError(WebSocket w, Throwable error) {
                closed.complete(1006);
            }
        }).exceptionally(WsClient::explainRefusal).get(60, TimeUnit.SECONDS); // bounds against a hang on a loaded machine
        return new WsClient(ws, q, closed);
    }

    /** A refused handshake keeps its exception, which also says (suppressed) what answered: status, headers, body. */
    private static WebSocket explainRefusal(Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof java.net.http.WebSocketHandshakeException refused) {
            java.net.http.HttpResponse<?> r = refused.getResponse();
            refused.addSuppressed(new IllegalStateException("upgrade refused: " + r.statusCode() + " " + r.headers().map() + " " + r.body()));
        }
        throw failure instanceof java.util.concurrent.CompletionException ce ? ce : new java.util.concurrent.CompletionException(failure);
    }

    /** Sends a text message and returns the next one received (the echo), or null after 10 s. */
    public String roundTrip(String text) throws Exception {
        ws.sendText(text, true).get(10, TimeUnit.SECONDS);
        return messages.poll(10, TimeUnit.SECONDS);
    }

    /** The close code received, or null while the socket is open (1006 for an abnormal end). */
    public Integer closeCodeNow() {
        return closeCode.getNow(null);
    }

    /** Sends a normal Close (1000); {@link #close()} instead drops the connection. */
    public void sendClose() throws Exception {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
    }

    /** The close code, waiting for it (a bound only against a hang). */
    public int awaitClose() throws Exception {
        return closeCode.get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        ws.abort();
    }
}

package dev.wsroute.testing;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;

/**
 * A real upstream (Vert.x) that a test can make fail while it runs: its health endpoint can answer any status,
 * its upgrades can be refused with a status or closed at once with a code, and it can stop listening (refuse)
 * and listen again on the same port. WebSockets echo; "whoami" answers the backend's name, "send-big:N" a
 * binary message of N bytes. It records the Close
 * codes it receives.
 */
public final class ControllableBackend implements AutoCloseable {
    private final Vertx vertx;
    private final String name;
    private final boolean ownsVertx;
    private HttpServer server;
    private int port;
    private java.net.Socket holder; // bound, not listening, while stopped
    /** Status of GET /health. */
    public final AtomicInteger healthStatus = new AtomicInteger(200);
    /** 0: upgrades are accepted; otherwise they are refused with this status. */
    public final AtomicInteger upgradeStatus = new AtomicInteger(0);
    /** 0: sessions echo; otherwise each session is closed with this code right after its 101. */
    public final AtomicInteger closeAtOnce = new AtomicInteger(0);
    public final AtomicInteger upgrades = new AtomicInteger();
    public final CopyOnWriteArrayList<ServerWebSocket> open = new CopyOnWriteArrayList<>();
    /** Close codes received from the peer (the proxy), in order. */
    public final CopyOnWriteArrayList<Integer> closeCodesReceived = new CopyOnWriteArrayList<>();

    public ControllableBackend(Vertx vertx, String name) {
        this(vertx, name, false);
    }

    private ControllableBackend(Vertx vertx, String name, boolean ownsVertx) {
        this.vertx = vertx;
        this.name = name;
        this.ownsVertx = ownsVertx;
        listen(0);
    }

    /** A backend on a Vert.x of its own, closed with it. */
    public static ControllableBackend start(String name) {
        return new ControllableBackend(Vertx.vertx(), name, true);
    }

    private void listen(int onPort) {
        try {
            server = vertx.createHttpServer()
                    .webSocketHandler(this::onWebSocket)
                    .requestHandler(req -> req.response().setStatusCode(req.path().equals("/health") ? healthStatus.get() : 200)
                            .end(name))
                    .listen(onPort, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            port = server.actualPort();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void onWebSocket(ServerWebSocket ws) {
        int refuse = upgradeStatus.get();
        if (refuse != 0) {
            ws.reject(refuse);
            return;
        }
        ws.accept();
        upgrades.incrementAndGet();
        open.add(ws);
        ws.closeHandler(v -> {
            open.remove(ws);
            if (ws.closeStatusCode() != null) {
                closeCodesReceived.add((int) ws.closeStatusCode());
            }
        });
        int closeCode = closeAtOnce.get();
        if (closeCode != 0) {
            ws.close((short) closeCode);
            return;
        }
        ws.frameHandler(frame -> {
            if (frame.isText() && frame.isFinal() && "whoami".equals(frame.textData())) {
                ws.writeTextMessage(name);
            } else if (frame.isText() && frame.isFinal() && frame.textData().startsWith("send-big:")) {
                int size = Integer.parseInt(frame.textData().substring("send-big:".length()));
                ws.writeBinaryMessage(io.vertx.core.buffer.Buffer.buffer(new byte[size]));
            } else if (!frame.isClose()) {
                ws.writeFrame(frame);
            }
        });
    }

    /**
     * Stops listening: new connections are refused (open WebSockets are closed). The port stays bound, without
     * listening, until {@link #restart} (unless connections it accepted, still closing, hold it anyway): a freed
     * loopback port could otherwise be taken as the source port of a
     * connection to it (TCP self-connect) or by another socket of the test JVM, and "refused" would not be what
     * the proxy sees.
     */
    public void stop() {
        server.close().toCompletionStage().toCompletableFuture().join();
        java.net.Socket s = new java.net.Socket();
        try {
            s.setReuseAddress(true); // the port may still have connections in TIME_WAIT
            s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            holder = s;
        } catch (java.io.IOException e) {
            // connections it accepted still closing keep the port in use: nothing can take it meanwhile either
            closeQuietly(s);
        }
    }

    private static void closeQuietly(java.net.Socket s) {
        try {
            s.close();
        } catch (java.io.IOException e) {
            // nothing was bound
        }
    }

    /** Listens again on the same port. */
    public void restart() {
        releaseHolder();
        listen(port);
    }

    private void releaseHolder() {
        if (holder != null) {
            try {
                holder.close();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            holder = null;
        }
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public String endpoint() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        releaseHolder();
        server.close().toCompletionStage().toCompletableFuture().join();
        if (ownsVertx) {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }
}

package dev.wsroute.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code echo}: N WebSocket connections, each sending one message of S bytes and waiting for its
 * echo before the next, for T seconds (or until max-ops messages in all). Connections are opened
 * before the measured window starts, so the window holds only messages. With {@code --rate} the
 * messages are sent on a fixed schedule instead, the same work per second through every proxy.
 */
final class EchoScenario {
    private EchoScenario() {
    }

    static Result run(LoadGen.Setup s) throws InterruptedException {
        int conns = s.args.integer("conns", 100);
        int size = s.args.integer("size", 64);
        long maxOps = s.args.longValue("max-ops", 50_000_000L);
        byte[] bytes = new byte[size];
        ThreadLocalRandom.current().nextBytes(bytes);
        ByteBuf payload = Unpooled.unreleasableBuffer(Unpooled.directBuffer(size).writeBytes(bytes)).asReadOnly();

        CountDownLatch settled = new CountDownLatch(conns);
        List<EchoConn> all = new ArrayList<>(conns);
        for (int i = 0; i < conns; i++) {
            EchoConn conn = new EchoConn(payload, Math.max(1, maxOps / conns), Pacer.of(s.rate, conns), settled);
            all.add(conn);
            s.target.connectWebSocket(conn).addListener(f -> {
                if (!f.isSuccess()) {
                    conn.connectFailed();
                }
            });
        }
        return s.measureConnections(s.result("echo").put("size", size), all, settled);
    }
}

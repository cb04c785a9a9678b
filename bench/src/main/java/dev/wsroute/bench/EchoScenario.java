package dev.wsroute.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

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
        if (!settled.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("connections still opening after 60 s");
        }
        List<EchoConn> open = new ArrayList<>();
        for (EchoConn conn : all) {
            if (conn.isOpen()) {
                open.add(conn);
            }
        }
        if (open.isEmpty()) {
            throw new IllegalStateException("no connection opened to " + s.target.wsUri);
        }

        Run run = new Run(s.warmupSecs, s.secs, open.size());
        open.forEach(conn -> conn.start(run));
        run.awaitWarmUp();
        ProcCpu.Sample cpu0 = s.cpuSample();
        long t0 = System.nanoTime();
        run.beginMeasuring();
        run.awaitDone(10);
        long nanos = System.nanoTime() - t0;
        ProcCpu.Sample cpu = s.cpuSince(cpu0);

        long ops = 0;
        long errors = run.unfinished() + (conns - open.size());
        List<Latency> parts = new ArrayList<>();
        for (EchoConn conn : open) {
            ops += conn.ops;
            errors += conn.errors;
            parts.add(conn.latency);
        }
        for (EchoConn conn : open) {
            conn.channel().close();
        }
        return s.result("echo").put("size", size).put("conns", open.size())
                .measured(ops, errors, nanos, Latency.merge(parts), cpu);
    }
}

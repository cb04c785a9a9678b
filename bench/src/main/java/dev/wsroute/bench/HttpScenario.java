package dev.wsroute.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code http}: C keep-alive connections, each doing GET after GET for T seconds or max-ops requests
 * ({@code --rate}: on a fixed schedule instead).
 */
final class HttpScenario {
    private HttpScenario() {
    }

    static Result run(LoadGen.Setup s) throws InterruptedException {
        int conns = s.args.integer("conns", 50);
        long maxOps = s.args.longValue("max-ops", 50_000_000L);
        CountDownLatch settled = new CountDownLatch(conns);
        List<HttpConn> all = new ArrayList<>(conns);
        for (int i = 0; i < conns; i++) {
            HttpConn conn = new HttpConn(s.target.path, s.target.hostHeader(), Math.max(1, maxOps / conns),
                    Pacer.of(s.rate, conns), settled);
            all.add(conn);
            s.target.connectHttp(() -> conn).addListener(f -> {
                if (!f.isSuccess()) {
                    settled.countDown();
                }
            });
        }
        if (!settled.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("connections still opening after 60 s");
        }
        List<HttpConn> open = new ArrayList<>();
        for (HttpConn conn : all) {
            if (conn.isOpen()) {
                open.add(conn);
            }
        }
        if (open.isEmpty()) {
            throw new IllegalStateException("no connection opened to " + s.target.address);
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
        for (HttpConn conn : open) {
            ops += conn.ops;
            errors += conn.errors;
            parts.add(conn.latency);
        }
        open.forEach(conn -> conn.channel().close());
        return s.result("http").put("conns", open.size())
                .measured(ops, errors, nanos, Latency.merge(parts), cpu);
    }
}

package dev.wsroute.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

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
        return s.measureConnections(s.result("http"), all, settled);
    }
}

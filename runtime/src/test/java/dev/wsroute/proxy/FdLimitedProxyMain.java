package dev.wsroute.proxy;

import java.io.IOException;

import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;

/**
 * A data plane with the default max-connections in a JVM of its own, for {@link OpenFilesLimitTest} (which starts it
 * under {@code prlimit}): prints {@code {"port":..,"limit":..}} on stdout, then
 * {@code {"connections":..}} whenever that count changes, and serves until stdin ends.
 */
public final class FdLimitedProxyMain {
    private FdLimitedProxyMain() {
    }

    public static void main(String[] args) throws Exception {
        ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.access-log.enabled", "false", "wsroute.io-threads", "2"));
        px.routes(TestRoutes.wsAndHttp("chat", "/echo", args[0]));
        var limit = px.metrics.find("wsroute.client.connections.limit").gauge();
        System.out.println("{\"port\":" + px.port() + ",\"limit\":" + (limit == null ? -1 : (long) limit.value()) + "}");
        System.out.flush();
        Thread counts = new Thread(() -> { // the open client connections, whenever they change
            long last = -1;
            while (true) {
                long now = (long) px.clientConnections();
                if (now != last) {
                    System.out.println("{\"connections\":" + now + "}");
                    System.out.flush();
                    last = now;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        counts.setDaemon(true);
        counts.start();
        try {
            while (System.in.read() >= 0) {
                // until the test closes our stdin
            }
        } catch (IOException ignored) {
            // the test is gone
        }
        px.close();
        System.exit(0);
    }
}

package dev.wsroute.proxy;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;

/**
 * A data plane with the default max-connections in a JVM of its own (a third argument {@code checked}: the /echo rule
 * lists the closed endpoint too, with active TCP health checks; each change of an endpoint's health is printed as
 * {@code {"endpoint":..,"healthy":..}}), for {@link OpenFilesLimitTest} (which starts it
 * under {@code prlimit}): prints {@code {"port":..,"limit":..}} on stdout, then
 * {@code {"asked":..,"connections":..}} to {@code count n}, {@code {"asked":..,"sockets":..}} to {@code sockets n}, {@code {"asked":..,"acceptFailures":..}} to
 * {@code accept-failures n}, and serves until stdin ends. The line {@code eat} on stdin takes every free descriptor
 * but one, {@code eat all} every one, {@code give back} returns them.
 */
public final class FdLimitedProxyMain {
    private FdLimitedProxyMain() {
    }

    public static void main(String[] args) throws Exception {
        // Netty's own lines (a WARN at the end of a pipeline) to the same console as wsroute's: java.util.logging here
        io.netty.util.internal.logging.InternalLoggerFactory.setDefaultFactory(io.netty.util.internal.logging.JdkLoggerFactory.INSTANCE);
        // checked: /echo also lists the closed endpoint, with active TCP checks (which find it unhealthy, and /echo's healthy)
        boolean checked = args.length > 2 && args[2].equals("checked");
        ProxyHarness px = new ProxyHarness(TestConfig.wsroute("wsroute.access-log.enabled", "false", "wsroute.io-threads", "2"));
        px.routes("""
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat, namespace: default}
                spec:
                  rules:
                    - match: {path: {type: Prefix, value: /echo}}
                      backends: [{endpoints: [%s]}]%s
                    - match: {path: {type: Prefix, value: /dead}}
                      backends: [{endpoints: ["%s"]}]
                """.formatted(checked ? "\"" + args[0] + "\", \"" + args[1] + "\"" : "\"" + args[0] + "\"", checked
                ? "\n      healthCheck: {active: {type: TCP, interval: 1s, timeout: 1s, healthyThreshold: 1, unhealthyThreshold: 2}}" : "",
                args[1]));
        px.dataPlane.health().addListener(new dev.wsroute.lifecycle.HealthListener() {
            @Override
            public void healthChanged(dev.wsroute.table.RuleKey rule, String endpoint, boolean healthy, String why) {
                System.out.println(new io.vertx.core.json.JsonObject().put("endpoint", endpoint).put("healthy", healthy).put("why", why));
                System.out.flush();
            }
        });
        var limit = px.metrics.find("wsroute.client.connections.limit").gauge();
        System.out.println("{\"port\":" + px.port() + ",\"limit\":" + (limit == null ? -1 : (long) limit.value()) + "}");
        System.out.flush();
        List<FileInputStream> eaten = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) { // until the test closes our stdin
                if (line.startsWith("count ")) { // the open client connections now, with the question's number
                    System.out.println("{\"asked\":" + line.substring(6) + ",\"connections\":" + (long) px.clientConnections() + "}");
                    System.out.flush();
                } else if (line.startsWith("sockets ")) { // the process's open sockets now (not after "eat": listing them takes a descriptor)
                    System.out.println("{\"asked\":" + line.substring(8) + ",\"sockets\":" + sockets() + "}");
                    System.out.flush();
                } else if (line.startsWith("accept-failures ")) { // failed accepts counted so far (-1: no such metric)
                    var failures = px.metrics.find("wsroute.client.accept.failures").counter();
                    System.out.println("{\"asked\":" + line.substring(16) + ",\"acceptFailures\":"
                            + (failures == null ? -1 : (long) failures.count()) + "}");
                    System.out.flush();
                } else if (line.equals("eat all")) { // take every descriptor: the next accept fails with EMFILE
                    try {
                        while (true) {
                            eaten.add(new FileInputStream("/dev/null"));
                        }
                    } catch (IOException full) {
                        // all taken
                    }
                    System.out.println("{\"eaten\":" + eaten.size() + "}");
                    System.out.flush();
                } else if (line.equals("give back")) { // the descriptors taken by eat or eat all
                    for (FileInputStream f : eaten) {
                        f.close();
                    }
                    eaten.clear();
                    System.out.println("{\"givenBack\":true}");
                    System.out.flush();
                } else if (line.equals("eat")) { // take every descriptor but one, as another user of the process's files would
                    try {
                        while (true) {
                            eaten.add(new FileInputStream("/dev/null"));
                        }
                    } catch (IOException full) {
                        eaten.remove(eaten.size() - 1).close();
                    }
                    System.out.println("{\"eaten\":" + eaten.size() + "}");
                    System.out.flush();
                }
            }
        } catch (IOException ignored) {
            // the test is gone
        }
        for (FileInputStream f : eaten) {
            f.close();
        }
        px.close();
        System.exit(0);
    }

    /** The descriptors of this process that are sockets: listeners, client and upstream connections. */
    private static long sockets() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException gone) { // the listing's own descriptor, or one closed meanwhile
                    return false;
                }
            }).count();
        }
    }
}

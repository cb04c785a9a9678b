package dev.wsroute.proxy;

import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.TestRoutes;

/**
 * An upstream connect still under way when its request ends without it (408: the client stopped sending its body;
 * or the client left) is given up at once: its socket is closed. Before, it ran on to the connect timeout (3 s by
 * default, per endpoint), holding a socket and the endpoint's in-use count for a request that was over.
 */
class AbandonedConnectTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    private final List<Socket> held = new ArrayList<>();
    private ServerSocket silent;
    private ProxyHarness px;

    @BeforeEach
    void start() throws Exception {
        // a listener whose accept queue is full: Linux drops further SYNs, so a connect to it stays under way
        silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        for (int i = 0; i < 2; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()));
            held.add(s);
        }
        px = new ProxyHarness(TestConfig.wsroute("wsroute.upstream.connect-timeout", "10m", "wsroute.limits.request-body-timeout", "1s"));
        px.routes(TestRoutes.plainHttp("up", "up.test", "127.0.0.1:" + silent.getLocalPort()));
    }

    @AfterEach
    void stop() throws Exception {
        px.close();
        for (Socket s : held) {
            s.close();
        }
        silent.close();
    }

    @Test
    void aConnectUnderWayWhenTheBodyTimesOutIsClosed() throws Exception {
        try (RawHttp client = new RawHttp(px.port())) {
            client.send("POST /upload HTTP/1.1\r\nHost: up.test\r\nContent-Length: 10\r\n\r\nabc");
            await().atMost(WAIT).until(() -> connectsUnderWay() == 1);
            String answer = client.readResponse(); // and no more of the body
            assertThat(status(answer)).as(answer).isEqualTo(408);
            await().atMost(WAIT).until(() -> connectsUnderWay() == 0);
        }
    }

    @Test
    void aConnectUnderWayWhenTheClientLeavesIsClosed() throws Exception {
        try (RawHttp client = new RawHttp(px.port())) {
            client.send("GET / HTTP/1.1\r\nHost: up.test\r\n\r\n");
            await().atMost(WAIT).until(() -> connectsUnderWay() == 1);
            // gone for good (a reset; after a FIN alone, half-closed, the proxy still owes it the answer)
            client.socket.setSoLinger(true, 0);
        }
        await().atMost(WAIT).until(() -> connectsUnderWay() == 0);
    }

    /** Sockets of this process in SYN-SENT to the silent listener, from /proc/net/tcp and tcp6. */
    private long connectsUnderWay() throws IOException {
        String port = String.format(Locale.ROOT, ":%04X", silent.getLocalPort());
        long n = 0;
        for (String file : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
            Path p = Path.of(file);
            if (!Files.exists(p)) {
                continue;
            }
            for (String line : Files.readAllLines(p)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[2].endsWith(port) && f[3].equals("02")) {
                    n++;
                }
            }
        }
        return n;
    }
}

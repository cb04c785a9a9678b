package dev.wsroute.operator.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged application with its standard output a pipe nobody reads (a stuck log shipper, {@code java ... | (sleep
 * 600)}): the access log fills the pipe and then drops lines, counted, as the README says. A WARN an I/O thread logs
 * then (here: a TLS handshake with no certificate to offer) must not wait for that pipe: it did, and the I/O thread
 * stopped serving every connection it holds. The console handler of the application is asynchronous (dropping lines
 * when its queue is full) since.
 */
class StalledConsoleIT {
    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final byte[] NO_ROUTE = "GET / HTTP/1.1\r\nHost: nope.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private Process app;
    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (app != null && app.isAlive()) {
            app.destroyForcibly();
        }
    }

    @Test
    void anIoThreadsWarnDoesNotWaitForAStalledConsole() throws Exception {
        int[] ports = freePorts(3);
        int plain = ports[0], tls = ports[1], management = ports[2];
        Path routes = dir.resolve("routes.yaml");
        Files.writeString(routes, """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: a, namespace: default}
                spec:
                  hosts: ["a.test"]
                  rules: []
                """);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                JAR.toString()).redirectErrorStream(true); // its output: a pipe this test never reads
        Map<String, String> env = pb.environment();
        env.put("WSROUTE_ROUTES_FILE", routes.toString());
        env.put("WSROUTE_LISTEN_HOST", "127.0.0.1");
        env.put("WSROUTE_LISTEN_PORT", String.valueOf(plain));
        env.put("WSROUTE_LISTEN_TLS_PORT", String.valueOf(tls));
        env.put("WSROUTE_IO_THREADS", "1"); // every connection on the one I/O thread the WARN is logged from
        env.put("WSROUTE_ACCESS_LOG_QUEUE_LINES", "1024"); // more than a writer that writes falls behind by
        env.put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        env.put("QUARKUS_MANAGEMENT_PORT", String.valueOf(management));
        assertThat(JAR).as("built by the package phase").exists();
        app = pb.start();

        await().atMost(WAIT).ignoreExceptions().until(() -> status(plain) == 404);
        // the pipe fills with access-log lines; once it is full the writer waits in its write for good, 1,024 lines
        // queue behind it, and the next are dropped
        try (Socket s = new Socket("127.0.0.1", plain)) {
            s.setSoTimeout(30_000);
            await().atMost(WAIT).until(() -> {
                for (int i = 0; i < 500; i++) {
                    assertThat(exchange(s)).isEqualTo(404);
                }
                return dropped(management) > 0;
            });
        }
        refusedHandshake(tls); // no certificate for it: a WARN from the I/O thread
        assertThat(status(plain)).as("a request answered after the WARN").isEqualTo(404);
    }

    /** A TLS handshake for a name no route has a certificate for (nor a default): refused, with a WARN. */
    private static void refusedHandshake(int port) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] { new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] c, String a) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] c, String a) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        } }, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName("no-certificate.test")));
            s.setSSLParameters(p);
            s.startHandshake();
        } catch (IOException refused) {
            // expected: the handshake fails (or times out when the I/O thread is stuck; the next request tells)
        }
    }

    private static int status(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            return exchange(s);
        }
    }

    /** Sends a request no route takes and reads its answer's status and body (the proxy's 404 has a Content-Length). */
    private static int exchange(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(NO_ROUTE);
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after: " + head);
            }
            head.append((char) b);
        }
        String h = head.toString().toLowerCase();
        int at = h.indexOf("content-length:");
        int length = Integer.parseInt(h.substring(at + 15, h.indexOf('\r', at)).trim());
        in.readNBytes(length);
        return Integer.parseInt(h.substring(9, 12));
    }

    private static double dropped(int management) throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/q/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith("wsroute_access_log_dropped_total")).mapToDouble(l -> Double.parseDouble(l.split(" ")[1]))
                .sum();
    }

    private static int[] freePorts(int n) throws IOException {
        ServerSocket[] held = new ServerSocket[n];
        int[] ports = new int[n];
        try {
            for (int i = 0; i < n; i++) {
                held[i] = new ServerSocket();
                held[i].bind(new InetSocketAddress("127.0.0.1", 0));
                ports[i] = held[i].getLocalPort();
            }
        } finally {
            for (ServerSocket s : held) {
                if (s != null) {
                    s.close();
                }
            }
        }
        return ports;
    }
}

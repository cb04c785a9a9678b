package dev.wsroute.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Headless Debian Chromium driven over the DevTools protocol (with the JDK's WebSocket client), trusting a test CA
 * through an NSS database in a throw-away HOME, as a user's browser would trust a locally installed root.
 */
public final class Chromium implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path home;
    private WebSocket devtools;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    /** Skips the test, or fails it under CI=true, unless Chromium and certutil (libnss3-tools) are installed. */
    public static void require() {
        Peers.require(Files.isExecutable(BINARY) && Peers.onPath("certutil"),
                "Chromium or certutil is not installed (apt-get install chromium chromium-driver libnss3-tools)");
    }

    /** Starts Chromium on url with the CA trusted; allowedPort is a port Chromium might otherwise refuse as unsafe. */
    public static Chromium open(String url, String caPem, int allowedPort) throws Exception {
        require();
        return new Chromium(url, caPem, allowedPort);
    }

    /** Starts Chromium on a plain http:// url. */
    public static Chromium open(String url, int allowedPort) throws Exception {
        return open(url, null, allowedPort);
    }

    private Chromium(String url, String caPem, int allowedPort) throws Exception {
        home = Files.createTempDirectory("wsroute-chromium");
        if (caPem != null) {
            Path nss = Files.createDirectories(home.resolve(".pki/nssdb"));
            Path ca = Files.writeString(home.resolve("ca.crt"), caPem, StandardCharsets.US_ASCII);
            run("certutil", "-d", "sql:" + nss, "-N", "--empty-password");
            run("certutil", "-d", "sql:" + nss, "-A", "-t", "C,,", "-n", "wsroute-test-ca", "-i", ca.toString());
        }
        Path profile = Files.createDirectories(home.resolve("profile"));
        ProcessBuilder pb = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
                "--explicitly-allowed-ports=" + allowedPort, url)
                .redirectErrorStream(true).redirectOutput(home.resolve("chromium.log").toFile());
        pb.environment().put("HOME", home.toString());
        process = pb.start();
        try {
            devtools = connect(profile);
        } catch (Exception | AssertionError e) {
            close();
            throw e;
        }
    }

    private WebSocket connect(Path profile) throws Exception {
        // Chromium writes its DevTools port, then the browser's path, into this file once it listens
        Path portFile = profile.resolve("DevToolsActivePort");
        await("Chromium DevTools port").atMost(Duration.ofSeconds(60)).until(() -> !process.isAlive()
                || (Files.exists(portFile) && Files.readAllLines(portFile).size() >= 2));
        if (!process.isAlive()) {
            throw new IllegalStateException("Chromium exited: " + log());
        }
        int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
        return connectToPage(port);
    }

    private WebSocket connectToPage(int port) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String[] page = new String[1];
        await("a page target").atMost(Duration.ofSeconds(30)).until(() -> {
            HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString());
            for (JsonNode t : JSON.readTree(list.body())) {
                if ("page".equals(t.path("type").asText())) {
                    page[0] = t.path("webSocketDebuggerUrl").asText();
                    return true;
                }
            }
            return false;
        });
        StringBuilder partial = new StringBuilder();
        return http.newWebSocketBuilder().buildAsync(URI.create(page[0]), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    dispatch(partial.toString());
                    partial.setLength(0);
                }
                ws.request(1);
                return null;
            }
        }).get(30, TimeUnit.SECONDS);
    }

    private void dispatch(String message) {
        try {
            JsonNode m = JSON.readTree(message);
            CompletableFuture<JsonNode> f = m.has("id") ? pending.remove(m.get("id").asInt()) : null;
            if (f != null) {
                f.complete(m);
            }
        } catch (IOException e) {
            // events we don't parse are of no interest
        }
    }

    /** Evaluates a JavaScript expression in the page; its value as a string ("" for undefined). */
    public String evaluate(String expression) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        Map<String, Object> call = Map.of("id", id, "method", "Runtime.evaluate",
                "params", Map.of("expression", expression, "returnByValue", true));
        devtools.sendText(JSON.writeValueAsString(call), true).get(10, TimeUnit.SECONDS);
        JsonNode result = answer.get(10, TimeUnit.SECONDS).path("result").path("result");
        return result.path("value").asText("");
    }

    /** What Chromium printed so far, for failure messages. */
    public String log() {
        try {
            return Files.readString(home.resolve("chromium.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }

    @Override
    public void close() throws IOException {
        if (devtools != null) {
            devtools.abort();
        }
        // Chromium's helpers (zygote, renderers, crashpad) are its descendants: end them with it
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        try (var files = Files.walk(home)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}

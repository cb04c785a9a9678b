package dev.wsroute.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A packaged app ({@code target/quarkus-app/quarkus-run.jar}) run as its own process, as a container runs it: on this
 * JVM's java, settings in its environment (listener and management interface on 127.0.0.1, port 0: the ports are
 * read back from its log), its output in a file; stopped with SIGTERM as the kubelet stops a pod.
 */
public final class PackagedApp implements AutoCloseable {
    private static final Pattern LISTENER = Pattern.compile("wsroute listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern MANAGEMENT = Pattern.compile("Management interface listening on http://127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final Path log;
    /** The wsroute listener's plain port. */
    public final int port;
    /** The management interface's port (health, metrics). */
    public final int managementPort;

    private PackagedApp(Process process, Path log, int port, int managementPort) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.managementPort = managementPort;
    }

    /**
     * Starts the jar with {@code env} added to its environment and waits (at most {@code wait}, a bound against a hang)
     * until its listener and management interface are up and it reports ready.
     */
    public static PackagedApp start(Path jar, Map<String, String> env, Path log, Duration wait) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("WSROUTE_LISTEN_HOST", "127.0.0.1");
        pb.environment().put("WSROUTE_LISTEN_PORT", "0");
        pb.environment().put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        pb.environment().put("QUARKUS_MANAGEMENT_PORT", "0");
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            await().atMost(wait).until(() -> !p.isAlive() || LISTENER.matcher(read(log)).find() && MANAGEMENT.matcher(read(log)).find());
            if (!p.isAlive()) {
                throw new AssertionError("the app exited at start; log:\n" + read(log));
            }
            PackagedApp app = new PackagedApp(p, log, port(LISTENER, log), port(MANAGEMENT, log));
            await().atMost(wait).until(() -> app.readiness() == 200);
            return app;
        } catch (RuntimeException | Error e) {
            p.destroyForcibly();
            throw e;
        }
    }

    /** The status of {@code /q/health/ready}, or -1 while it does not answer. */
    public int readiness() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready")
                    .toURL().openConnection();
            c.setConnectTimeout(5_000);
            c.setReadTimeout(5_000);
            try {
                return c.getResponseCode();
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return -1;
        }
    }

    /** SIGTERM, as the kubelet sends it when the pod is to stop. */
    public void sigterm() {
        process.destroy();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Whether the process exited within {@code wait}. */
    public boolean exitedWithin(Duration wait) throws InterruptedException {
        return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether its listener refuses connections now (closed). */
    public boolean refuses() {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Its output so far. */
    public String log() {
        return read(log);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    private static int port(Pattern p, Path log) {
        Matcher m = p.matcher(read(log));
        if (!m.find()) {
            throw new AssertionError("no " + p + " in the log:\n" + read(log));
        }
        return Integer.parseInt(m.group(1));
    }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

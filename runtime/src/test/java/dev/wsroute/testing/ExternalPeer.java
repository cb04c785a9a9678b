package dev.wsroute.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * An external process (a node or python WebSocket peer) whose stdout is one JSON object per line. Lines are collected
 * as they come; {@link #await} waits (bounded) for one that matches. {@link #close()} closes its stdin and destroys it.
 */
public final class ExternalPeer implements AutoCloseable {
    private final String name;
    private final Process process;
    private final List<JsonObject> events = new CopyOnWriteArrayList<>();
    private final StringBuffer stdout = new StringBuffer();
    private final StringBuffer stderr = new StringBuffer();
    private volatile boolean stdoutEnded;

    private ExternalPeer(String name, Process process) {
        this.name = name;
        this.process = process;
        pump(process.getInputStream(), true);
        pump(process.getErrorStream(), false);
    }

    public static ExternalPeer start(String name, Path workDir, Map<String, String> env, List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        pb.environment().putAll(env);
        return new ExternalPeer(name, pb.start());
    }

    private void pump(InputStream stream, boolean isStdout) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    (isStdout ? stdout : stderr).append(line).append('\n');
                    if (isStdout) {
                        try {
                            events.add(new JsonObject(line));
                        } catch (DecodeException | ClassCastException e) {
                            events.add(new JsonObject().put("line", line));
                        }
                    }
                }
            } catch (IOException e) {
                // the process went away
            }
            if (isStdout) {
                stdoutEnded = true;
            }
        }, name + (isStdout ? "-out" : "-err"));
        t.setDaemon(true);
        t.start();
    }

    public List<JsonObject> events() {
        return List.copyOf(events);
    }

    public Optional<JsonObject> find(Predicate<JsonObject> p) {
        return events.stream().filter(p).findFirst();
    }

    public Optional<JsonObject> event(String event) {
        return find(e -> event.equals(e.getString("event")));
    }

    public long count(Predicate<JsonObject> p) {
        return events.stream().filter(p).count();
    }

    /** Waits until {@code n} lines match. */
    public void awaitCount(Predicate<JsonObject> p, long n, String what, Duration timeout) {
        try {
            Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> count(p) >= n || stdoutEnded);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(name + ": not " + n + " × " + what + " within " + timeout + "\n" + transcript());
        }
        if (count(p) < n) {
            throw new AssertionError(name + " ended its output with fewer than " + n + " × " + what + "\n" + transcript());
        }
    }

    /** The first line with this "event", waiting for it at most {@code timeout}. */
    public JsonObject await(String event, Duration timeout) {
        return await(e -> event.equals(e.getString("event")), "event " + event, timeout);
    }

    public JsonObject await(Predicate<JsonObject> p, String what, Duration timeout) {
        try {
            Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> find(p).isPresent() || stdoutEnded);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(name + ": no " + what + " within " + timeout + "\n" + transcript());
        }
        return find(p).orElseThrow(() -> new AssertionError(name + " exited (" + process.exitValue() + ") without " + what + "\n" + transcript()));
    }

    /** Writes a line to the process's stdin. */
    public void send(String line) throws IOException {
        process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    /** Waits for the process to end by itself and returns its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " still running after " + timeout + "\n" + transcript());
        }
        return process.exitValue();
    }

    public String transcript() {
        return "--- " + name + " stdout ---\n" + stdout + "--- " + name + " stderr ---\n" + stderr;
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

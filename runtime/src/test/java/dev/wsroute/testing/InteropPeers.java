package dev.wsroute.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.vertx.core.json.JsonObject;

/**
 * Starts the independent peers of the interop tests: npm {@code ws} scripts (node) and Debian {@code python3-websockets}
 * scripts, all from {@code src/test/resources/interop}. The npm dependency is installed once per build with
 * {@code npm ci} from the committed lock file into {@code target/interop-node} (nothing under src gets node_modules).
 * A test is skipped, with the reason, only when node/npm or the python module are not installed at all, and with
 * {@code CI=true} it fails instead ({@link Peers#require}).
 */
public final class InteropPeers {
    public static final String PYTHON = "/usr/bin/python3";
    private static final Duration NPM_TIMEOUT = Duration.ofSeconds(180);
    private static Path nodeModules;
    private static final Map<String, Boolean> PYTHON_MODULES = new java.util.HashMap<>();

    private InteropPeers() {
    }

    /** The directory holding the interop scripts (target/test-classes/interop). */
    public static Path scripts() {
        try {
            return Path.of(InteropPeers.class.getResource("/interop/package.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** node_modules with npm ws in it, installed on first use; skips the test (fails it under CI=true) if node or npm is not installed. */
    public static synchronized Path nodeModules() throws IOException, InterruptedException {
        if (nodeModules != null) {
            return nodeModules;
        }
        Peers.require(Peers.onPath("node") && Peers.onPath("npm"), "node and npm are not installed: the npm ws interop tests need them (apt-get install nodejs npm)");
        Path dir = Path.of("target", "interop-node").toAbsolutePath();
        Path lock = dir.resolve("package-lock.json");
        Path wsPackage = dir.resolve("node_modules/ws/package.json");
        byte[] wantedLock = Files.readAllBytes(scripts().resolve("package-lock.json"));
        if (!Files.exists(wsPackage) || !Files.exists(lock) || !java.util.Arrays.equals(Files.readAllBytes(lock), wantedLock)) {
            Files.createDirectories(dir);
            Files.copy(scripts().resolve("package.json"), dir.resolve("package.json"), StandardCopyOption.REPLACE_EXISTING);
            Files.write(lock, wantedLock);
            Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--prefix", dir.toString())
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            String output;
            try (InputStream in = p.getInputStream()) {
                boolean done = p.waitFor(NPM_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                if (!done) {
                    p.destroyForcibly();
                    throw new AssertionError("npm ci did not finish in " + NPM_TIMEOUT);
                }
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (p.exitValue() != 0 || !Files.exists(wsPackage)) {
                throw new AssertionError("npm ci failed (" + p.exitValue() + "):\n" + output);
            }
        }
        String version = new JsonObject(Files.readString(wsPackage)).getString("version");
        if (!"8.23.0".equals(version)) {
            throw new AssertionError("expected ws 8.23.0 in " + dir + ", found " + version);
        }
        nodeModules = dir.resolve("node_modules");
        return nodeModules;
    }

    /** Skips the test (fails it under CI=true) if /usr/bin/python3 cannot import websockets. */
    public static void requirePythonWebsockets() throws IOException, InterruptedException {
        requirePythonModule("websockets", "python3-websockets");
    }

    /** Skips the test (fails it under CI=true) if /usr/bin/python3 cannot import the module (from the named Debian package). */
    public static synchronized void requirePythonModule(String module, String debianPackage) throws IOException, InterruptedException {
        Boolean ok = PYTHON_MODULES.get(module);
        if (ok == null) {
            ok = false;
            if (Files.isExecutable(Path.of(PYTHON))) {
                Process p = new ProcessBuilder(PYTHON, "-c", "import " + module).redirectErrorStream(true).start();
                p.getOutputStream().close();
                ok = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
                p.destroyForcibly();
            }
            PYTHON_MODULES.put(module, ok);
        }
        Peers.require(ok, PYTHON + " cannot import " + module + ": install the Debian package " + debianPackage);
    }

    /** Starts an npm ws script with node. */
    public static ExternalPeer node(String script, String... args) throws IOException, InterruptedException {
        Path modules = nodeModules();
        List<String> cmd = new ArrayList<>(List.of("node", scripts().resolve(script).toString()));
        cmd.addAll(List.of(args));
        return ExternalPeer.start("node " + script, scripts(), Map.of("NODE_PATH", modules.toString()), cmd);
    }

    /** Starts a python3-websockets script. */
    public static ExternalPeer python(String script, String... args) throws IOException, InterruptedException {
        requirePythonWebsockets();
        return startPython(script, args);
    }

    /** Starts a python3-autobahn script. */
    public static ExternalPeer autobahn(String script, String... args) throws IOException, InterruptedException {
        requirePythonModule("autobahn", "python3-autobahn");
        return startPython(script, args);
    }

    /** Starts a script that needs only python3's standard library (its ssl module: OpenSSL as a TLS client). */
    public static ExternalPeer pythonSsl(String script, String... args) throws IOException, InterruptedException {
        requirePythonModule("ssl", "python3");
        return startPython(script, args);
    }

    private static ExternalPeer startPython(String script, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-u", scripts().resolve(script).toString()));
        cmd.addAll(List.of(args));
        return ExternalPeer.start("python " + script, scripts(), Map.of("PYTHONDONTWRITEBYTECODE", "1"), cmd);
    }
}

package dev.wsroute.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

/**
 * What a test does when an independent peer (node + npm ws, python3-websockets/autobahn, Chromium + certutil) is not
 * installed: on a developer's machine it is skipped with the reason; with {@code CI=true} it fails, so that a CI run in
 * which a peer failed to install cannot pass by skipping (.ci/run installs them all).
 */
public final class Peers {
    private Peers() {
    }

    /** True when the environment says this is a CI run ({@code CI=true}, as GitHub Actions, GitLab and .ci/run set it). */
    public static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips the test (fails it under CI=true) unless {@code present}; {@code missing} says what is missing and how to install it. */
    public static void require(boolean present, String missing) {
        if (present) {
            return;
        }
        if (ci()) {
            throw new AssertionError(missing + " (CI=true: a missing peer fails the test; .ci/run installs it)");
        }
        Assumptions.abort(missing + ": skipped (with CI=true this fails)");
    }

    /** True when an executable of that name is on the PATH. */
    public static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}

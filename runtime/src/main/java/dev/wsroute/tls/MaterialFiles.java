package dev.wsroute.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import dev.wsroute.tls.TlsMaterialResolver.Problem;

/** PEM files a route names in standalone mode; relative paths start at the routes file's directory. */
final class MaterialFiles {
    private final Path base;

    MaterialFiles(Path base) {
        this.base = base;
    }

    ServerMaterial server(String certFile, String keyFile) throws Problem {
        byte[] chain = read(certFile, "certFile", TlsReasons.SECRET_NOT_FOUND);
        byte[] key = read(keyFile, "keyFile", TlsReasons.SECRET_NOT_FOUND);
        try {
            return new ServerMaterial(chain, PrivateBytes.of(key), "certFile " + certFile + " / keyFile " + keyFile,
                    "certFile", "keyFile");
        } finally {
            java.util.Arrays.fill(key, (byte) 0);
        }
    }

    byte[] read(String file, String field, String reason) throws Problem {
        Path p = base == null ? Path.of(file) : base.resolve(file);
        try {
            return Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            throw new Problem(reason, field + " " + p + ": no such file", true);
        } catch (IOException | SecurityException e) {
            throw new Problem(reason, field + " " + p + ": cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }
}

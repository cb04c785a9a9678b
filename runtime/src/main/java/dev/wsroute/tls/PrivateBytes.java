package dev.wsroute.tls;

import static java.util.Objects.requireNonNull;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Key material (a PEM private key): the bytes never show in {@code toString()}, so a log line, an exception
 * message or a debugger's variable view can't leak them.
 */
public final class PrivateBytes {
    private final byte[] bytes;

    private PrivateBytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Wraps a copy of these bytes. */
    public static PrivateBytes of(byte[] bytes) {
        return new PrivateBytes(requireNonNull(bytes, "bytes").clone());
    }

    /** A copy of the bytes: callers may wipe it when done. */
    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    /** Feeds the bytes to a digest without copying them out. */
    void update(MessageDigest digest) {
        digest.update(bytes);
    }

    @Override
    public boolean equals(Object o) {
        // constant time: equality of keys must not leak where they differ
        return o instanceof PrivateBytes p && MessageDigest.isEqual(bytes, p.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "[redacted]";
    }
}

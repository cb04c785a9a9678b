package dev.wsroute.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Built contexts by content digest, so a table rebuild (every endpoint change) reuses the context of unchanged
 * material. An entry not used by the last two builds is dropped; connections that hold its context keep it.
 */
final class ContextCache {
    private final Map<String, Entry> entries = new HashMap<>();
    private long generation;

    private static final class Entry {
        final Object value;
        long used;

        Entry(Object value, long used) {
            this.value = value;
            this.used = used;
        }
    }

    /** The cached value for this digest, built on first use. */
    synchronized Object get(String digest, Supplier<Object> build) {
        Entry e = entries.get(digest);
        if (e == null) {
            e = new Entry(build.get(), generation);
            entries.put(digest, e);
        }
        e.used = generation;
        return e.value;
    }

    /** Ends one table build: forgets what neither this build nor the one before used. */
    synchronized void sweep() {
        long keepFrom = generation - 1;
        entries.values().removeIf(e -> e.used < keepFrom);
        generation++;
    }

    synchronized int size() {
        return entries.size();
    }

    /** A hex SHA-256 over the parts, each length-prefixed so that boundaries count. */
    static String digest(String kind, byte[] first, PrivateBytes second) {
        MessageDigest md = sha256();
        md.update(kind.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        lengthPrefixed(md, first);
        if (second != null) {
            md.update(intBytes(second.length()));
            second.update(md);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void lengthPrefixed(MessageDigest md, byte[] bytes) {
        md.update(intBytes(bytes.length));
        md.update(bytes);
    }

    private static byte[] intBytes(int v) {
        return new byte[] { (byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v };
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

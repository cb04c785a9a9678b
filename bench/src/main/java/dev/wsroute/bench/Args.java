package dev.wsroute.bench;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code --key value} command-line options; unknown keys are an error. */
final class Args {
    private final Map<String, String> values = new HashMap<>();

    Args(String[] argv, Set<String> known) {
        for (int i = 0; i < argv.length; i++) {
            String key = argv[i];
            if (!key.startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("expected --key value, got: " + key);
            }
            String name = key.substring(2);
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name + " (known: " + known + ")");
            }
            values.put(name, argv[++i]);
        }
    }

    String str(String name, String def) {
        return values.getOrDefault(name, def);
    }

    int integer(String name, int def) {
        String v = values.get(name);
        return v == null ? def : Integer.parseInt(v);
    }

    double decimal(String name, double def) {
        String v = values.get(name);
        return v == null ? def : Double.parseDouble(v);
    }

    long longValue(String name, long def) {
        String v = values.get(name);
        return v == null ? def : Long.parseLong(v);
    }

    /** A host option that must name a loopback address: the bench never leaves the machine. */
    InetAddress loopback(String name, String def) {
        String host = str(name, def);
        try {
            InetAddress address = InetAddress.getByName(host);
            if (!address.isLoopbackAddress()) {
                throw new IllegalArgumentException("--" + name + " must be a loopback address, got " + host);
            }
            return address;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--" + name + ": unknown host " + host, e);
        }
    }
}

package dev.wsroute.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Why counted errors happened: a count per cause, printed to stderr with the scenario's result, so a
 * failed operation in a run says what it saw (refused connect, a 502, a Close before the echo ...).
 */
final class ErrorCauses {
    private static final Map<String, LongAdder> COUNTS = new ConcurrentHashMap<>();

    private ErrorCauses() {
    }

    /** Counts one error; {@code cause} may be null. */
    static void note(String what, Throwable cause) {
        String key = cause == null ? what : what + ": " + cause.getClass().getSimpleName() + " " + cause.getMessage();
        COUNTS.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    /** One stderr line per cause, most frequent first; nothing when no error was counted. */
    static void print(String label) {
        COUNTS.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
                .forEach(e -> System.err.println("ERROR-CAUSE " + label + " x" + e.getValue().sum() + " " + e.getKey()));
    }
}

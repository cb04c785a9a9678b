package dev.wsroute.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** One machine-readable line: {@code RESULT key=value ...}, keys in insertion order. */
final class Result {
    private final Map<String, String> fields = new LinkedHashMap<>();

    Result put(String key, Object value) {
        fields.put(key, String.valueOf(value));
        return this;
    }

    Result put(String key, long value) {
        fields.put(key, Long.toString(value));
        return this;
    }

    Result put(String key, double value) {
        fields.put(key, String.format(Locale.ROOT, "%.2f", value));
        return this;
    }

    /** Operations, elapsed time, rate, latency percentiles and the proxy CPU per operation. */
    Result measured(long ops, long errors, long nanos, Latency latency, ProcCpu.Sample cpu) {
        double secs = nanos / 1e9;
        put("ops", ops).put("errors", errors).put("secs", secs).put("rate", secs > 0 ? ops / secs : 0);
        if (ops > 0) { // with no operation there is no latency and no per-operation figure
            put("p50us", latency.percentile(50)).put("p99us", latency.percentile(99));
        }
        if (cpu != null) {
            put("cpu_us", cpu.total());
            if (ops > 0) {
                put("cpu_us_per_op", (double) cpu.total() / ops).put("sys_us_per_op", (double) cpu.kernel() / ops);
                // of which a JVM's compiler and collector threads (0 for the C proxies)
                put("jit_us_per_op", (double) cpu.jit() / ops).put("gc_us_per_op", (double) cpu.gc() / ops);
                put("log_us_per_op", (double) cpu.accessLog() / ops); // wsroute's access-log writer thread
            }
        }
        return this;
    }

    /** The value of {@code key}, or null. */
    String get(String key) {
        return fields.get(key);
    }

    /** Writes one whole line to stdout in a single write, so a reader never sees half of it. */
    static void emit(String line) {
        byte[] bytes = (line + System.lineSeparator()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        System.out.write(bytes, 0, bytes.length);
        System.out.flush();
    }

    String line() {
        StringBuilder b = new StringBuilder("RESULT");
        fields.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        return b.toString();
    }
}

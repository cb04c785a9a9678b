package dev.wsroute.bench;

import org.HdrHistogram.Histogram;

/** Round-trip latencies in microseconds, recorded by one thread, merged after the run. */
final class Latency {
    private static final long MAX_MICROS = 120_000_000L;
    final Histogram histogram = new Histogram(MAX_MICROS, 2);

    void recordSince(long startNanos) {
        long micros = (System.nanoTime() - startNanos) / 1000;
        histogram.recordValue(Math.max(0, Math.min(MAX_MICROS, micros)));
    }

    static Latency merge(Iterable<Latency> parts) {
        Latency all = new Latency();
        for (Latency part : parts) {
            all.histogram.add(part.histogram);
        }
        return all;
    }

    long percentile(double p) {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(p);
    }
}

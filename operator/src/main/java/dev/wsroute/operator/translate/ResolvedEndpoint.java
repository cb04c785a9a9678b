package dev.wsroute.operator.translate;

import java.util.Comparator;

/**
 * One address of a Service's pod behind a port, as an EndpointSlice lists it. {@code ready}: takes new connections
 * (ready and not terminating). {@code serving}: passes its readiness probe, terminating or not (a nil serving
 * condition takes ready's value). A terminating endpoint that still serves takes new connections only while its
 * backend has no ready one, as kube-proxy falls back (KEP-1669).
 */
public record ResolvedEndpoint(String ip, int port, boolean ready, boolean serving, boolean terminating, String pod,
        String zone) implements Comparable<ResolvedEndpoint> {

    private static final Comparator<ResolvedEndpoint> ORDER =
            Comparator.comparing(ResolvedEndpoint::ip).thenComparingInt(ResolvedEndpoint::port);

    /** An endpoint that is not terminating: serving is ready. */
    public ResolvedEndpoint(String ip, int port, boolean ready, String pod, String zone) {
        this(ip, port, ready, ready, false, pod, zone);
    }

    /** Terminating, and still passing its readiness probe: the fallback when its backend has no ready endpoint. */
    public boolean servingTerminating() {
        return terminating && serving;
    }

    /** "ip:port", "[v6]:port" for IPv6, as the data plane keys endpoints. */
    public String key() {
        return ip.indexOf(':') >= 0 ? "[" + ip + "]:" + port : ip + ":" + port;
    }

    /** Which of two listings of one address (two slices mid-migration) counts: ready, then serving, wins. */
    static ResolvedEndpoint better(ResolvedEndpoint a, ResolvedEndpoint b) {
        if (a.ready != b.ready) {
            return a.ready ? a : b;
        }
        if (a.servingTerminating() != b.servingTerminating()) {
            return a.servingTerminating() ? a : b;
        }
        return b;
    }

    @Override
    public int compareTo(ResolvedEndpoint o) {
        return ORDER.compare(this, o);
    }
}

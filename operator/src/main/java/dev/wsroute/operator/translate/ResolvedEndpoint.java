package dev.wsroute.operator.translate;

import java.util.Comparator;

/** One address of a Service's pod behind a port, as an EndpointSlice lists it. {@code ready}: takes new connections. */
public record ResolvedEndpoint(String ip, int port, boolean ready, String pod, String zone) implements Comparable<ResolvedEndpoint> {

    private static final Comparator<ResolvedEndpoint> ORDER =
            Comparator.comparing(ResolvedEndpoint::ip).thenComparingInt(ResolvedEndpoint::port);

    /** "ip:port", "[v6]:port" for IPv6, as the data plane keys endpoints. */
    public String key() {
        return ip.indexOf(':') >= 0 ? "[" + ip + "]:" + port : ip + ":" + port;
    }

    @Override
    public int compareTo(ResolvedEndpoint o) {
        return ORDER.compare(this, o);
    }
}

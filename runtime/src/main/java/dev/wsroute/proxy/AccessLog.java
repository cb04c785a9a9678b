package dev.wsroute.proxy;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.wsroute.log.QueryInLog;
import dev.wsroute.metrics.Meters;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.Endpoint;
import io.netty.util.internal.PlatformDependent;

/**
 * One line per plain HTTP request and per WebSocket session (at close), on the category {@code wsroute.access}.
 * An event loop only queues the line's typed values (one small record, on a bounded lock-free queue); one writer
 * thread turns them into text and hands them to {@link AccessLogOutput} in batches, as nginx's {@code buffer=} does,
 * so a slow or full log sink never slows the data plane. When the queue is full the line is dropped and counted in
 * {@code wsroute_access_log_dropped_total}. The queue and the writer come with the first line: a proxy whose log is off
 * (by its switch or its category's level) has neither.
 */
final class AccessLog implements AutoCloseable {
    /**
     * How long the writer sleeps when the queue is empty: lines gather meanwhile and are written as one batch. Each batch
     * costs a wake-up, a look at the log configuration, a formatted template and a write, so fewer larger batches cost
     * less per line (at 20 ms, a batch cost as much as ~40 lines; a line still shows within 0.1 s).
     */
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final boolean enabled;
    private final int queueLines;
    private final Meters.Counter dropped;
    private final AccessLogOutput output;
    private final QueryInLog query;
    /** Made with the first line, with the writer: nothing while the log is off. */
    private volatile Queue<Line> queue;
    private Thread writer;
    private volatile boolean closed;

    /**
     * Who asked for what: the part of a line known when the request arrives; null when the log was off then (a session's
     * line, should the log be turned on before its close, shows {@code -} for them).
     */
    record Request(SocketAddress client, String host, String path, String query) {
    }

    /**
     * A line waiting to be written: its values, turned into text by the writer thread. How the query is shown is
     * given there, not kept per line: the event loops queue exactly what they did before.
     */
    private interface Line {
        void appendTo(StringBuilder sb, QueryInLog query);
    }

    /**
     * @param enabled {@code wsroute.access-log.enabled}; lines are written while this holds and the category's level
     *        (which may change at run time) lets INFO through
     * @param queueLines lines that may wait for the writer; beyond that, lines are dropped (and counted)
     * @param query how a line shows the request's query ({@code wsroute.access-log.query})
     * @param output where the writer puts the lines
     */
    AccessLog(boolean enabled, int queueLines, QueryInLog query, AccessLogOutput output, Meters registry) {
        this.output = output;
        this.query = query;
        this.enabled = enabled;
        this.queueLines = queueLines;
        this.dropped = registry.counter("wsroute.access.log.dropped", "Access log lines dropped because the writer fell behind",
                null);
    }

    /** Whether a line offered now would be written: the switch and the category's level as they are now. */
    boolean on() {
        return enabled && output.enabled();
    }

    void http(Request r, String method, RouteId route, Endpoint endpoint, int status, long nanos) {
        http(r, method, route, endpoint, status, nanos, null);
    }

    /** @param why why the proxy cut the request short, a fixed text (null: it did not, or the status says it) */
    void http(Request r, String method, RouteId route, Endpoint endpoint, int status, long nanos, String why) {
        if (on()) {
            offer(new HttpLine(r, method, route, endpoint, status, nanos, why));
        }
    }

    void rejectedUpgrade(Request r, RouteId route, int status, String why) {
        if (on()) {
            offer(new RejectedUpgradeLine(r, route, status, why));
        }
    }

    /**
     * A request refused by its head before any route was asked (400, 414, 417, 431, 505): counted in
     * {@code wsroute_http_requests_total{route="-"}} like any answer, so it has its line too. Nothing of the head is
     * trusted enough to show: no method, host or URI. {@code why} is the parser's own text, never the client's bytes.
     */
    void refused(SocketAddress client, int status, String why) {
        if (on()) {
            offer(new RefusedLine(client, status, why));
        }
    }

    /** @param cause why the proxy closed the session; null when the client or the upstream did */
    void session(Request r, RouteId route, Endpoint endpoint, long nanos, FrameTracker in, FrameTracker out, CloseInitiator closedBy,
            int code, CloseCause cause) {
        if (on()) {
            offer(new SessionLine(r, route, endpoint, nanos, in.bytes(), out.bytes(), in.messages(), out.messages(), closedBy, code,
                    cause));
        }
    }

    private void offer(Line line) {
        Queue<Line> q = queue;
        if (q == null) {
            q = start();
        }
        if (closed || q == null || !q.offer(line)) {
            dropped.increment();
        }
    }

    private synchronized Queue<Line> start() {
        if (queue == null && !closed) {
            writer = new Thread(this::drainLoop, "wsroute-access-log");
            writer.setDaemon(true);
            queue = PlatformDependent.newFixedMpscQueue(queueLines);
            writer.start();
        }
        return queue;
    }

    /** The line being written, as the output takes it: one object for all lines, no lambda per line. */
    private final class Writing implements AccessLogOutput.Text {
        Line line;

        @Override
        public void appendTo(StringBuilder sb) {
            line.appendTo(sb, query);
        }
    }

    private void drainLoop() {
        Writing writing = new Writing();
        Queue<Line> queue = this.queue;
        while (!closed || !queue.isEmpty()) {
            Line line = queue.poll();
            if (line == null) {
                LockSupport.parkNanos(IDLE_PARK_NANOS); // lines gather while the writer sleeps: written in batches
                continue;
            }
            output.startBatch();
            for (; line != null; line = queue.poll()) {
                writing.line = line;
                output.line(writing);
            }
            writing.line = null;
            output.flush();
        }
    }

    private record HttpLine(Request r, String method, RouteId route, Endpoint endpoint, int status, long nanos, String why)
            implements Line {
        @Override
        public void appendTo(StringBuilder sb, QueryInLog query) {
            sb.append("http client=");
            client(sb, r);
            sb.append(" method=").append(method);
            hostAndUri(sb, r, query);
            sb.append(" route=");
            routeLabel(sb, route);
            sb.append(" endpoint=").append(endpoint == null ? "-" : endpoint.key())
                    .append(" status=").append(status).append(" duration_ms=");
            millis(sb, nanos);
            if (why != null) {
                sb.append(" reason=\"").append(why).append('"');
            }
        }
    }

    private record RefusedLine(SocketAddress peer, int status, String why) implements Line {
        @Override
        public void appendTo(StringBuilder sb, QueryInLog query) {
            sb.append("http client=");
            client(sb, new Request(peer, "", "-", null));
            sb.append(" method=- host=- uri=- route=");
            routeLabel(sb, null);
            sb.append(" endpoint=- status=").append(status).append(" reason=\"").append(why).append('"');
        }
    }

    /** The start of every WebSocket line: who asked for what, and the route that took it. */
    private static void wsPrefix(StringBuilder sb, Request r, RouteId route, QueryInLog query) {
        sb.append("ws client=");
        client(sb, r);
        hostAndUri(sb, r, query);
        sb.append(" route=");
        routeLabel(sb, route);
    }

    private record RejectedUpgradeLine(Request r, RouteId route, int status, String why) implements Line {
        @Override
        public void appendTo(StringBuilder sb, QueryInLog query) {
            wsPrefix(sb, r, route, query);
            sb.append(" status=").append(status).append(" reason=\"").append(why).append('"');
        }
    }

    private record SessionLine(Request r, RouteId route, Endpoint endpoint, long nanos, long bytesIn, long bytesOut, long msgsIn,
            long msgsOut, CloseInitiator closedBy, int code, CloseCause cause) implements Line {
        @Override
        public void appendTo(StringBuilder sb, QueryInLog query) {
            wsPrefix(sb, r, route, query);
            sb.append(" endpoint=").append(endpoint.key()).append(" status=101 duration_ms=");
            millis(sb, nanos);
            sb.append(" bytes_in=").append(bytesIn).append(" bytes_out=").append(bytesOut).append(" msgs_in=").append(msgsIn)
                    .append(" msgs_out=").append(msgsOut).append(" closed_by=").append(closedBy.label()).append(" close_code=").append(code)
                    .append(" close_reason=").append(cause == null ? "-" : cause.label());
        }
    }

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() {
        Thread writer;
        synchronized (this) {
            closed = true;
            writer = this.writer;
        }
        if (writer != null) {
            LockSupport.unpark(writer);
            try {
                writer.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The client's address and port, an IPv4 address written from its bytes (no text made per line). */
    private static void client(StringBuilder sb, Request r) {
        SocketAddress a = r == null ? null : r.client();
        if (a instanceof InetSocketAddress i && i.getAddress() instanceof Inet4Address v4) {
            byte[] b = v4.getAddress();
            sb.append(b[0] & 0xff).append('.').append(b[1] & 0xff).append('.').append(b[2] & 0xff).append('.').append(b[3] & 0xff);
            sb.append(':').append(i.getPort());
        } else if (a instanceof InetSocketAddress i && i.getAddress() != null) {
            sb.append(i.getAddress().getHostAddress()).append(':').append(i.getPort());
        } else {
            sb.append(a == null ? "-" : a);
        }
    }

    /** The URI as path and query (redacted by default), joined here rather than on the event loop. */
    private static void hostAndUri(StringBuilder sb, Request r, QueryInLog query) {
        if (r == null) {
            sb.append(" host=- uri=-");
            return;
        }
        sb.append(" host=").append(r.host().isEmpty() ? "-" : r.host()).append(" uri=").append(r.path()); // no Host: -
        query.appendTo(sb, r.query());
    }

    /** The route label ({@link ProxyMetrics#label}) written in place. */
    private static void routeLabel(StringBuilder sb, RouteId route) {
        if (route == null) {
            sb.append(ProxyMetrics.label(null));
        } else {
            sb.append(route.namespace()).append('/').append(route.name());
        }
    }

    /** Milliseconds with one decimal, without String.format. */
    private static void millis(StringBuilder sb, long nanos) {
        long tenths = (nanos + 50_000) / 100_000;
        sb.append(tenths / 10).append('.').append(tenths % 10);
    }
}

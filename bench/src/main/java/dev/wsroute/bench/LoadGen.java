package dev.wsroute.bench;

import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Load generator for the bench. One scenario per run; prints one {@code RESULT key=value ...} line.
 *
 * <pre>
 * java -jar wsroute-bench.jar --scenario echo|sessions|http|idle --port 7200 [options]
 *   --host 127.0.0.1   loopback address of the proxy (anything else is refused)
 *   --path /ws         request path (upgrade path, or the GET path for http)
 *   --conns N          connections (echo, http, idle) or concurrent workers (sessions)
 *   --size S           message size in bytes (echo, sessions)
 *   --secs T           measured time (echo, sessions, http); longest hold (idle)
 *   --warmup-secs W    load before the measured window, not counted (echo, sessions, http)
 *   --max-ops N        upper bound on operations in all (echo, sessions, http)
 *   --rate R           operations per second in all, on a fixed schedule (echo, sessions, http);
 *                      0 (the default): each connection or worker runs them back to back
 *   --parallel P       handshakes in flight while opening (idle)
 *   --threads N        client event loop threads
 *   --cpu-pids a,b     proxy pids: their CPU time (and their descendants') is sampled around the window
 *   --clk-tck 100      clock ticks per second of /proc/PID/stat (getconf CLK_TCK)
 *   --label NAME       proxy name printed in the result
 *   --tls-ca FILE      connect with TLS (wss://, https://), trusting the PEM certificate(s) in FILE
 *   --tls-resume true  each session worker is a returning client: its connections offer the TLS session of its last
 *                      one (a session cache of its own), not a full handshake each
 * </pre>
 */
public final class LoadGen {
    static final Set<String> OPTIONS = Set.of("scenario", "host", "port", "path", "conns", "size",
            "secs", "warmup-secs", "max-ops", "rate", "parallel", "threads", "cpu-pids", "clk-tck", "label", "tls-ca",
            "tls-resume");

    private LoadGen() {
    }

    /** What every scenario needs. */
    static final class Setup {
        final Args args;
        final EventLoopGroup group;
        final Target target;
        final long secs;
        final long warmupSecs;
        final double rate;
        final String label;
        private final String tls;
        private final ProcCpu cpu;

        Setup(Args args, EventLoopGroup group) {
            this.args = args;
            this.group = group;
            this.tls = args.str("tls-ca", null);
            this.target = new Target(args.loopback("host", "127.0.0.1"), args.integer("port", 8080),
                    args.str("path", "/ws"), group, tls == null ? null : () -> ClientTls.context(tls),
                    Boolean.parseBoolean(args.str("tls-resume", "false")));
            this.secs = args.longValue("secs", 10);
            this.warmupSecs = args.longValue("warmup-secs", 2);
            this.rate = args.decimal("rate", 0);
            this.label = args.str("label", "proxy");
            this.cpu = ProcCpu.parse(args.str("cpu-pids", ""), args.longValue("clk-tck", 100));
        }

        ProcCpu.Sample cpuSample() {
            return cpu.isEmpty() ? null : cpu.sample();
        }

        /** CPU used since {@code start}, or null when no pid is watched. */
        ProcCpu.Sample cpuSince(ProcCpu.Sample start) {
            return start == null ? null : cpu.sample().minus(start);
        }

        /**
         * Once each of {@code conns} has opened or failed to ({@code settled}, 60 s at most), measures those that
         * opened ({@code conns} in the result; each that did not is an error), then closes them.
         */
        Result measureConnections(Result result, List<? extends Participant.Connection> conns, CountDownLatch settled)
                throws InterruptedException {
            if (!settled.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("connections still opening after 60 s");
            }
            List<Participant.Connection> open = new ArrayList<>();
            for (Participant.Connection conn : conns) {
                if (conn.isOpen()) {
                    open.add(conn);
                }
            }
            if (open.isEmpty()) {
                throw new IllegalStateException("no connection opened to " + target.address);
            }
            measure(result.put("conns", open.size()), open, conns.size() - open.size(), 10);
            open.forEach(conn -> conn.channel().close());
            return result;
        }

        /**
         * Starts the participants, waits out the warm-up, then measures until the window ends and each has finished
         * its operation in flight (or {@code graceSecs} more): the figures go into {@code result}. {@code lost}:
         * participants that never took part (connections that did not open), each an error.
         */
        Result measure(Result result, List<? extends Participant> participants, int lost, long graceSecs)
                throws InterruptedException {
            Run run = new Run(warmupSecs, secs, participants.size());
            participants.forEach(p -> p.start(run));
            run.awaitWarmUp();
            ProcCpu.Sample cpu0 = cpuSample();
            long t0 = System.nanoTime();
            run.beginMeasuring();
            run.awaitDone(graceSecs);
            long nanos = System.nanoTime() - t0;
            ProcCpu.Sample cpu = cpuSince(cpu0);
            long ops = 0;
            long errors = run.unfinished() + lost;
            List<Latency> parts = new ArrayList<>();
            for (Participant p : participants) {
                Participant.Tally t = p.tally();
                ops += t.ops;
                errors += t.errors;
                parts.add(t.latency);
            }
            return result.measured(ops, errors, nanos, Latency.merge(parts), cpu);
        }

        Result result(String scenario) {
            Result r = new Result().put("proxy", label).put("scenario", scenario);
            if (rate > 0) {
                r.put("offered_rate", rate);
            }
            return tls == null ? r : r.put("tls", "true");
        }
    }

    /** Runs the scenario {@code args} name on {@code group}'s event loops. */
    static Result run(Args args, EventLoopGroup group) throws InterruptedException {
        Setup setup = new Setup(args, group);
        return switch (args.str("scenario", "echo")) {
            case "echo" -> EchoScenario.run(setup);
            case "sessions" -> SessionScenario.run(setup);
            case "http" -> HttpScenario.run(setup);
            case "idle" -> IdleScenario.run(setup);
            default -> throw new IllegalArgumentException("unknown scenario " + args.str("scenario", "echo"));
        };
    }

    public static void main(String[] argv) throws InterruptedException {
        Args args;
        try {
            args = new Args(argv, OPTIONS);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        String scenario = args.str("scenario", "echo");
        EventLoopGroup group = Transport.group(args.integer("threads", 2));
        int status = 0;
        try {
            Result.emit(run(args, group).line());
            ErrorCauses.print(args.str("label", "proxy"));
        } catch (RuntimeException e) {
            System.err.println("loadgen " + scenario + " failed: " + e);
            status = 1;
        } finally {
            group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).await(5, java.util.concurrent.TimeUnit.SECONDS);
        }
        System.exit(status);
    }
}

package dev.wsroute.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * {@code sessions}: C concurrent workers, each running whole WebSocket sessions back to back
 * (connect, upgrade, one echo of S bytes, close) for T seconds or max-ops sessions in all.
 * The latency figures are per whole session. With {@code --rate} the sessions start on a fixed
 * schedule instead, the same work per second through every proxy.
 */
final class SessionScenario {
    private SessionScenario() {
    }

    static Result run(LoadGen.Setup s) throws InterruptedException {
        int workers = s.args.integer("conns", 50);
        int size = s.args.integer("size", 64);
        long maxOps = s.args.longValue("max-ops", 10_000_000L);
        ByteBuf payload = Unpooled.unreleasableBuffer(Unpooled.directBuffer(size).writeZero(size)).asReadOnly();

        List<SessionWorker> all = new ArrayList<>(workers);
        Iterator<io.netty.util.concurrent.EventExecutor> loops = s.group.iterator();
        for (int i = 0; i < workers; i++) {
            if (!loops.hasNext()) {
                loops = s.group.iterator();
            }
            all.add(new SessionWorker(s.target, (EventLoop) loops.next(), payload, Math.max(1, maxOps / workers),
                    Pacer.of(s.rate, workers)));
        }
        Run run = new Run(s.warmupSecs, s.secs, workers);
        all.forEach(w -> w.start(run));
        run.awaitWarmUp();
        ProcCpu.Sample cpu0 = s.cpuSample();
        long t0 = System.nanoTime();
        run.beginMeasuring();
        run.awaitDone(15);
        long nanos = System.nanoTime() - t0;
        ProcCpu.Sample cpu = s.cpuSince(cpu0);

        long ops = 0;
        long errors = run.unfinished();
        List<Latency> parts = new ArrayList<>();
        for (SessionWorker w : all) {
            ops += w.sessions;
            errors += w.errors;
            parts.add(w.latency);
        }
        return s.result("sessions").put("size", size).put("conns", workers)
                .measured(ops, errors, nanos, Latency.merge(parts), cpu);
    }
}

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
            all.add(new SessionWorker(s.target.oneClient(), (EventLoop) loops.next(), payload, Math.max(1, maxOps / workers),
                    Pacer.of(s.rate, workers)));
        }
        return s.measure(s.result("sessions").put("size", size).put("conns", workers), all, 0, 15);
    }
}

package dev.wsroute.bench;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code idle}: opens K WebSocket connections (P handshakes in flight at most), prints
 * {@code OPEN ...} once every attempt has ended, then holds them until standard input reaches its
 * end or T seconds pass, whichever comes first. The caller measures the proxy's memory meanwhile.
 */
final class IdleScenario {
    private IdleScenario() {
    }

    static Result run(LoadGen.Setup s) throws InterruptedException {
        int total = s.args.integer("conns", 4500);
        int parallel = s.args.integer("parallel", 100);
        ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        IdleOpener opener = new IdleOpener(s.target, total, channels);

        ProcCpu.Sample cpu0 = s.cpuSample();
        long t0 = System.nanoTime();
        for (int i = 0; i < Math.min(parallel, total); i++) {
            opener.launch();
        }
        boolean allEnded = opener.settled.await(120, TimeUnit.SECONDS);
        long openNanos = System.nanoTime() - t0;
        ProcCpu.Sample cpu = s.cpuSince(cpu0);
        Result.emit(String.format(java.util.Locale.ROOT, "OPEN proxy=%s opened=%d failed=%d complete=%s secs=%.2f",
                s.label, opener.opened.get(), opener.failed.get(), allEnded, openNanos / 1e9));

        holdUntilStdinEndsOr(s.secs);
        int droppedWhileHeld = opener.dropped.get();
        channels.close().await(30, TimeUnit.SECONDS);
        int opened = opener.opened.get();
        return s.result("idle").put("conns", opened).put("failed", opener.failed.get())
                .put("dropped", droppedWhileHeld).put("open_secs", openNanos / 1e9)
                .put("cpu_us_per_open", opened > 0 && cpu != null ? (double) cpu.total() / opened : 0);
    }

    private static void holdUntilStdinEndsOr(long secs) throws InterruptedException {
        CountDownLatch released = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[256];
            try (InputStream in = System.in) {
                while (in.read(buf) >= 0) {
                    // discard: only the end of input matters
                }
            } catch (IOException e) {
                // a broken stdin ends the hold as well
            }
            released.countDown();
        }, "stdin-watch");
        reader.setDaemon(true);
        reader.start();
        released.await(secs, TimeUnit.SECONDS);
    }
}

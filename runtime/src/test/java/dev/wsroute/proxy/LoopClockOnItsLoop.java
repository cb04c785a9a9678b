package dev.wsroute.proxy;

import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;

import io.netty.channel.DefaultEventLoop;

/** Runs a test body on a fresh loop with that loop's {@link LoopClock}, whose sweeps the body drives by hand. */
final class LoopClockOnItsLoop {
    interface Body {
        void run(LoopClock clock, Runnable sweep) throws Exception;
    }

    private LoopClockOnItsLoop() {
    }

    static void run(Body body) throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            loop.submit(() -> {
                Method sweep = LoopClock.class.getDeclaredMethod("sweep");
                sweep.setAccessible(true);
                LoopClock clock = LoopClock.of(loop);
                body.run(clock, () -> {
                    try {
                        sweep.invoke(clock);
                    } catch (ReflectiveOperationException e) {
                        throw new AssertionError(e);
                    }
                });
                return null;
            }).get(60, TimeUnit.SECONDS);
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}

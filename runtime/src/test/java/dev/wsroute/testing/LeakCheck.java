package dev.wsroute.testing;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.List;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.netty.util.ResourceLeakDetector;

/**
 * Fails a test class after which Netty's leak detector reports a buffer (or any reference-counted object it tracks)
 * garbage-collected without release, with the leak's records (where it was made and last touched) as the message.
 * Registered for every test class of the runtime module (META-INF/services, JUnit's extension autodetection), with
 * the paranoid level and {@link RecordingLeakDetector} set by the module's surefire configuration; without them
 * it does nothing.
 * <p>
 * A leak is found when the collector finds the object unreachable: after the class's own {@code @AfterAll}, a
 * collection, then every detector polled. An object still reachable then (a channel still closing) is found after a
 * later class, whose check then reports it; its records name the code that made it. A leak reported is always real;
 * one missed is caught by a later run.
 */
public final class LeakCheck implements AfterAllCallback {
    /** Collections per check: a leaked buffer can hang off an object the first one only made unreachable. */
    private static final int ROUNDS = 2;

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (!RecordingLeakDetector.installed() || ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.DISABLED) {
            return;
        }
        List<String> leaks = reported();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty leak(s) reported after " + context.getDisplayName()
                    + " (or a class before it, when still reachable then):\n" + String.join("\n\n", leaks));
        }
    }

    /**
     * The leaks Netty's detectors report once the garbage collector has looked for them, and those reported since the
     * last call (each is reported once). Empty without {@link RecordingLeakDetector}.
     */
    public static List<String> reported() throws InterruptedException {
        for (int i = 0; i < ROUNDS; i++) {
            collect();
            RecordingLeakDetector.pollAll();
        }
        return RecordingLeakDetector.drain();
    }

    /** A full collection, and the reference handler through with what it found: a weak reference of ours is enqueued. */
    private static void collect() throws InterruptedException {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
        System.gc();
        queue.remove(1000); // a bound, not a wait for the clock: it returns as soon as the sentinel is enqueued
        sentinel.clear();
    }
}

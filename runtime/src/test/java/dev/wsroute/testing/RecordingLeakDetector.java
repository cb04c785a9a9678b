package dev.wsroute.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakTracker;

/**
 * Netty's leak detector, keeping what it reports so that {@link LeakCheck} can fail the test class that leaked.
 * Netty makes every detector (ByteBuf, SSL engines, timers) of this class when the system property
 * {@code io.netty.customResourceLeakDetector} names it, as the runtime module's surefire configuration does: set
 * before any buffer class loads, which a JUnit extension could not guarantee.
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {
    private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();
    private static final List<RecordingLeakDetector<?>> DETECTORS = new CopyOnWriteArrayList<>();
    private final String type;

    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
        this.type = resourceType.getSimpleName();
        DETECTORS.add(this);
    }

    @SuppressWarnings("deprecation") // the constructor Netty looks for first
    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        super(resourceType, samplingInterval, maxActive);
        this.type = resourceType.getSimpleName();
        DETECTORS.add(this);
    }

    /** Leaks are recorded whether or not Netty's logger would print them. */
    @Override
    protected boolean needReport() {
        return true;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected." + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        LEAKS.add("LEAK: " + resourceType + ".release() was not called before it was garbage-collected (no record:"
                + " the leak detection level is below paranoid, or targetRecords is 0).");
        super.reportUntracedLeak(resourceType);
    }

    /** Whether Netty made its detectors of this class (the system property was set in time). */
    public static boolean installed() {
        return !DETECTORS.isEmpty();
    }

    /**
     * Has every detector look at what the garbage collector found unreachable: a detector does so only when it
     * tracks a new object, which at the paranoid level is every time. A throw-away object is tracked and closed.
     */
    @SuppressWarnings("unchecked")
    static void pollAll() {
        for (RecordingLeakDetector<?> d : DETECTORS) {
            RecordingLeakDetector<Object> any = (RecordingLeakDetector<Object>) d;
            Object probe = new Object();
            ResourceLeakTracker<Object> tracker = any.track(probe);
            if (tracker != null) {
                tracker.close(probe);
            }
        }
    }

    /** The leaks reported since the last call. */
    static List<String> drain() {
        List<String> out = new ArrayList<>();
        for (String leak; (leak = LEAKS.poll()) != null;) {
            out.add(leak);
        }
        return out;
    }

    @Override
    public String toString() {
        return "RecordingLeakDetector(" + type + ")";
    }
}

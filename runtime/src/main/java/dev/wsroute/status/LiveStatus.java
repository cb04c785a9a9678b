package dev.wsroute.status;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The status page's feed, one for all viewers: {@link #tick} runs once a second, but a snapshot is sampled and
 * encoded only when someone looks: at each tick while the live page has viewers, and for a request for the JSON
 * (which reuses a snapshot of the last second). Nobody watching costs a read of the close counters a second.
 */
final class LiveStatus {
    static final long TICK_MILLIS = 1000;

    /** A live page's event stream. */
    interface Viewer {
        /** Closed: to be forgotten. */
        boolean gone();

        /** Not reading fast enough: skips this tick rather than buffering it. */
        boolean busy();

        void send(String event);
    }

    private record Encoded(String json, long atNanos) {
    }

    private final StatusModel model;
    private final Function<StatusSnapshot, String> encoder;
    private final Set<Viewer> viewers = ConcurrentHashMap.newKeySet();
    private volatile Encoded latest;

    LiveStatus(StatusModel model, Function<StatusSnapshot, String> encoder) {
        this.model = model;
        this.encoder = encoder;
    }

    void tick() {
        model.tick();
        viewers.removeIf(Viewer::gone);
        if (viewers.isEmpty()) {
            return;
        }
        String event = "data: " + sample().json() + "\n\n";
        for (Viewer viewer : viewers) {
            if (!viewer.busy()) {
                viewer.send(event);
            }
        }
    }

    /** The snapshot as JSON: the last one if it is less than a tick old, else a new one. */
    String current() {
        Encoded e = latest;
        return e != null && System.nanoTime() - e.atNanos() < TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS) ? e.json() : sample().json();
    }

    /** Sends the current snapshot, then one a tick until the viewer is gone. */
    void watch(Viewer viewer) {
        viewer.send("retry: 2000\n\ndata: " + current() + "\n\n");
        viewers.add(viewer);
    }

    void forget(Viewer viewer) {
        viewers.remove(viewer);
    }

    int viewers() {
        return viewers.size();
    }

    private Encoded sample() {
        Encoded e = new Encoded(encoder.apply(model.sample()), System.nanoTime());
        latest = e;
        return e;
    }
}

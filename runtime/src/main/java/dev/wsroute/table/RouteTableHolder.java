package dev.wsroute.table;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * The one place a route table is published to the data plane: whoever feeds routes (the routes file, the
 * operator, the sidecar's status reader) calls {@link #publish}; the data plane reads {@link #current} per
 * request and listens for swaps to drain what the new table no longer has.
 */
public final class RouteTableHolder {
    private volatile RouteTable current = RouteTable.empty();
    private volatile boolean loaded;
    private final List<BiConsumer<RouteTable, RouteTable>> listeners = new CopyOnWriteArrayList<>();

    public RouteTable current() {
        return current;
    }

    /** Whether a first table was published (readiness). */
    public boolean loaded() {
        return loaded;
    }

    public synchronized void publish(RouteTable table) {
        RouteTable old = current;
        current = table;
        loaded = true;
        for (BiConsumer<RouteTable, RouteTable> l : listeners) {
            l.accept(old, table);
        }
    }

    /** Called with (old, new) after every swap. */
    public void onSwap(BiConsumer<RouteTable, RouteTable> listener) {
        listeners.add(listener);
    }
}

package dev.wsroute.operator.cluster;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** The control plane's own threads: one per job, named for it, never holding up the process's exit. */
final class Daemons {
    private Daemons() {
    }

    static ScheduledExecutorService single(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}

package dev.wsroute.runtime;

import io.quarkus.arc.Arc;
import io.quarkus.arc.InstanceHandle;
import io.quarkus.runtime.shutdown.ShutdownListener;

/**
 * Tells wsroute that the process is going away, in Quarkus's pre-shutdown phase: right after SIGTERM, before the
 * deregistration delay ({@code quarkus.shutdown.delay}, where the app enabled it) and before the ShutdownEvent that
 * closes the listeners. Readiness goes DOWN and HTTP answers say {@code Connection: close}; the listeners go on
 * serving. Registered by the deployment processor (a recorded object: public, with a public no-argument constructor).
 */
public class LeaveOnShutdown implements ShutdownListener {
    @Override
    public void preShutdown(ShutdownNotification notification) {
        try {
            if (Arc.container() != null) {
                try (InstanceHandle<WsRouteRuntime> rt = Arc.container().instance(WsRouteRuntime.class)) {
                    if (rt.isAvailable()) {
                        rt.get().leave();
                    }
                }
            }
        } finally {
            notification.done();
        }
    }
}

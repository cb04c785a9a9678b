package dev.wsroute.operator.cluster;

import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.ClusterView;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;

/**
 * The reconciler's secondary event source: maps a change in the shared {@link ClusterCache} to the routes whose
 * status it can change (routes naming the Service or Secret; routes sharing a host with a route that came, went or
 * changed its hosts). The operator SDK queues, de-duplicates and retries from there.
 */
public final class ClusterTriggers extends SimpleInboundEventSource<WebSocketRoute> implements ClusterListener {
    private volatile ClusterView view;

    public ClusterTriggers() {
        super("cluster-triggers");
    }

    void view(ClusterView view) {
        this.view = view;
    }

    @Override
    public void routeChanged(WebSocketRoute old, WebSocketRoute now) {
        if (old != null && now != null && Objects.equals(old.getMetadata().getGeneration(), now.getMetadata().getGeneration())) {
            return; // status or metadata only: host claims did not move
        }
        Set<String> hosts = new HashSet<>();
        if (old != null) {
            hosts.addAll(hosts(old));
        }
        if (now != null) {
            hosts.addAll(hosts(now));
        }
        WebSocketRoute self = now != null ? now : old;
        trigger(r -> !sameRoute(r, self) && hosts(r).stream().anyMatch(hosts::contains), null);
    }

    @Override
    public void serviceChanged(String namespace, String name) {
        trigger(r -> RouteRefs.refersToService(r, name), namespace);
    }

    @Override
    public void secretChanged(String namespace, String name) {
        trigger(r -> RouteRefs.refersToSecret(r, name), namespace);
    }

    private void trigger(Predicate<WebSocketRoute> affected, String namespace) {
        ClusterView v = view;
        if (v == null || !isRunning()) {
            return; // not started (or not the leader yet): the first reconcile of every route covers it
        }
        for (WebSocketRoute r : v.routes()) {
            if ((namespace == null || namespace.equals(r.getMetadata().getNamespace())) && affected.test(r)) {
                propagateEvent(ResourceID.fromResource(r));
            }
        }
    }

    private static boolean sameRoute(WebSocketRoute a, WebSocketRoute b) {
        return a.getMetadata().getNamespace().equals(b.getMetadata().getNamespace())
                && a.getMetadata().getName().equals(b.getMetadata().getName());
    }

    private static Set<String> hosts(WebSocketRoute r) {
        Set<String> out = new HashSet<>();
        if (r.getSpec() == null || r.getSpec().hosts == null || r.getSpec().hosts.isEmpty()) {
            out.add("*");
        } else {
            r.getSpec().hosts.forEach(h -> out.add(h == null ? "" : h.toLowerCase(Locale.ROOT)));
        }
        return out;
    }
}

package dev.wsroute.operator.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.wsroute.api.PoolStatus;
import dev.wsroute.operator.translate.Condition;
import dev.wsroute.operator.translate.RouteStatusDraft;

/**
 * Keeps a route's status within what the API server stores. etcd refuses an object past 1.5 MiB (its default
 * {@code --max-request-bytes}) and {@code status.pools} lists every endpoint, about 90 bytes each: a Service of some
 * 15,000 pods made the whole status unwritable, conditions and all. Past the budget the pools list as many endpoints as
 * fit (ready ones first, then terminating ones that still serve, then the rest, taken from every backend in turn) and a
 * PoolsComplete=False condition says how many are listed; as Kubernetes cuts an Endpoints object at 1,000 addresses
 * and marks it {@code endpoints.kubernetes.io/over-capacity}. The count ({@code status.endpoints}) stays whole.
 */
final class StatusBudget {
    /** Room for a route's status: etcd's 1.5 MiB less what spec, metadata and managedFields may take. */
    static final int DEFAULT_BYTES = 1024 * 1024;
    /** No endpoint takes more in JSON (pod name up to 253, zone up to 63, keys, health): fewer are never measured. */
    private static final int MAX_ENDPOINT_BYTES = 512;
    /** What the health overlay may add to an endpoint ({@code ,"healthy":false}) and the comma between two. */
    private static final int PER_ENDPOINT_EXTRA = 17;
    /** Room for the timestamps and generations written with each condition, and for the PoolsComplete condition. */
    private static final int PER_CONDITION_EXTRA = 128;
    private static final int INCOMPLETE_CONDITION = 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private StatusBudget() {
    }

    /** The draft itself when it fits {@code budget} bytes of JSON, else one whose pools list what fits. */
    static RouteStatusDraft fit(RouteStatusDraft draft, int budget) {
        List<List<PoolStatus.EndpointStatus>> backends = new ArrayList<>();
        draft.pools().forEach(p -> p.backends.forEach(b -> backends.add(b.endpoints)));
        int count = endpoints(draft.pools());
        if ((long) count * MAX_ENDPOINT_BYTES <= budget) {
            return draft;
        }
        long room = budget - fixedBytes(draft);
        long all = 0;
        for (List<PoolStatus.EndpointStatus> b : backends) {
            for (PoolStatus.EndpointStatus e : b) {
                all += bytes(e);
            }
        }
        if (all <= room) {
            return draft;
        }
        Set<PoolStatus.EndpointStatus> kept = pick(backends, room);
        int ready = 0;
        int readyKept = 0;
        for (List<PoolStatus.EndpointStatus> b : backends) {
            for (PoolStatus.EndpointStatus e : b) {
                if (rank(e) == 0) {
                    ready++;
                    readyKept += kept.contains(e) ? 1 : 0;
                }
            }
        }
        List<Condition> conditions = new ArrayList<>(draft.conditions());
        conditions.add(Condition.isFalse(Condition.POOLS_COMPLETE, Condition.STATUS_TOO_LARGE, String.format(
                "status.pools lists %d of %d endpoints (%d of %d ready; ready ones first, from every backend in turn): "
                        + "all of them would take about %d KiB, past the %d KiB a route's status may take (etcd stores "
                        + "objects up to 1.5 MiB). Ingress replicas route to every endpoint; sidecars, which read "
                        + "status.pools, only to those listed",
                kept.size(), count, readyKept, ready, (all + fixedBytes(draft)) / 1024, budget / 1024)));
        return new RouteStatusDraft(draft.observedGeneration(), conditions, keepOnly(draft.pools(), kept),
                draft.readyEndpoints());
    }

    /** How many endpoints the pools list. */
    static int endpoints(List<PoolStatus> pools) {
        int n = 0;
        for (PoolStatus p : pools) {
            for (PoolStatus.BackendStatus b : p.backends) {
                n += b.endpoints.size();
            }
        }
        return n;
    }

    /** Ready, then serving terminating, then the rest: in turns over the backends, until the room is used. */
    private static Set<PoolStatus.EndpointStatus> pick(List<List<PoolStatus.EndpointStatus>> backends, long room) {
        Set<PoolStatus.EndpointStatus> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int rank = 0; rank < 3; rank++) {
            List<List<PoolStatus.EndpointStatus>> queues = new ArrayList<>();
            for (List<PoolStatus.EndpointStatus> b : backends) {
                final int r = rank;
                queues.add(b.stream().filter(e -> rank(e) == r).toList());
            }
            for (int i = 0;; i++) {
                boolean more = false;
                for (List<PoolStatus.EndpointStatus> q : queues) {
                    if (i >= q.size()) {
                        continue;
                    }
                    more = true;
                    long size = bytes(q.get(i));
                    if (size > room) {
                        return kept;
                    }
                    room -= size;
                    kept.add(q.get(i));
                }
                if (!more) {
                    break;
                }
            }
        }
        return kept;
    }

    private static int rank(PoolStatus.EndpointStatus e) {
        if (Boolean.TRUE.equals(e.ready)) {
            return 0;
        }
        return Boolean.TRUE.equals(e.terminating) && Boolean.TRUE.equals(e.serving) ? 1 : 2;
    }

    private static List<PoolStatus> keepOnly(List<PoolStatus> pools, Set<PoolStatus.EndpointStatus> kept) {
        List<PoolStatus> out = new ArrayList<>();
        for (PoolStatus p : pools) {
            PoolStatus copy = new PoolStatus();
            copy.rule = p.rule;
            copy.name = p.name;
            copy.failingOpen = p.failingOpen;
            for (PoolStatus.BackendStatus b : p.backends) {
                PoolStatus.BackendStatus bc = new PoolStatus.BackendStatus();
                bc.service = b.service;
                bc.port = b.port;
                bc.weight = b.weight;
                b.endpoints.stream().filter(kept::contains).forEach(bc.endpoints::add);
                copy.backends.add(bc);
            }
            out.add(copy);
        }
        return out;
    }

    /** The status without its endpoints, with room for what the writer adds. */
    private static long fixedBytes(RouteStatusDraft draft) {
        long n = 256 + INCOMPLETE_CONDITION;
        for (Condition c : draft.conditions()) {
            n += json(c).length + PER_CONDITION_EXTRA;
        }
        for (PoolStatus p : keepOnly(draft.pools(), Set.of())) {
            n += json(p).length + 32;
        }
        return n;
    }

    private static long bytes(PoolStatus.EndpointStatus e) {
        return json(e).length + PER_ENDPOINT_EXTRA;
    }

    private static byte[] json(Object o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.wsroute.operator.translate;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

import dev.wsroute.model.RouteId;

/**
 * What one translation pass yields: the inputs of the next route table and a status for every route, both from
 * the same view of the cluster.
 */
public record Translation(TableInputs table, SortedMap<RouteId, RouteStatusDraft> statuses) {
    public Translation {
        statuses = Collections.unmodifiableSortedMap(new TreeMap<>(statuses));
    }

    /** A table with no statuses to write (sidecar mode: the operator writes them). */
    public static Translation tableOnly(TableInputs table) {
        return new Translation(table, new TreeMap<>());
    }
}

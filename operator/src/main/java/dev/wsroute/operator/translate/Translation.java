package dev.wsroute.operator.translate;

import java.util.List;
import java.util.SortedMap;

import dev.wsroute.model.Route;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.EndpointSource;

/**
 * What translation yields: the accepted routes in table order (oldest first), a status for every route, and the
 * ready endpoints of each Service backend for {@link dev.wsroute.table.TableBuilder}.
 */
public record Translation(List<Route> routes, SortedMap<RouteId, RouteStatusDraft> statuses, EndpointSource endpoints) {
    public Translation {
        routes = List.copyOf(routes);
    }
}

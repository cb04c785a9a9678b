package dev.wsroute.operator.cluster;

import java.util.List;

import dev.wsroute.model.Route;
import dev.wsroute.table.EndpointSource;

/** What a table is compiled from: the routes in table order and their endpoints. */
public record TablePlan(List<Route> routes, EndpointSource endpoints) {
    public TablePlan {
        routes = List.copyOf(routes);
    }
}

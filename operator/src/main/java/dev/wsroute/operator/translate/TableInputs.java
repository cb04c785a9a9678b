package dev.wsroute.operator.translate;

import java.util.List;

import dev.wsroute.model.Route;
import dev.wsroute.table.EndpointSource;

/** What a route table is compiled from: the accepted routes in table order (oldest first) and their endpoints. */
public record TableInputs(List<Route> routes, EndpointSource endpoints) {
    public TableInputs {
        routes = List.copyOf(routes);
    }
}

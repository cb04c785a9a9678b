package dev.wsroute.table;

import dev.wsroute.model.RouteId;

/** Something wrong with a route found while building a table (a missing Secret, say): it becomes a condition, not a failure. */
public record TableProblem(RouteId route, String reason, String message) {
}

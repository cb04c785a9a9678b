package dev.wsroute.tls;

import dev.wsroute.model.RouteId;

/** Something wrong with a route's TLS found while building a table (a missing Secret, say): it becomes a condition, not a failure. */
public record TlsProblem(RouteId route, String reason, String message) {
}

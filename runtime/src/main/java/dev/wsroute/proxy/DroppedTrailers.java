package dev.wsroute.proxy;

import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

import dev.wsroute.log.LogThrottle;
import dev.wsroute.model.RouteId;

/**
 * Fields that must not be trailers (RFC 9110 §6.5.1), dropped from a chunked body on its way (the rest of the body and
 * its trailers went on): counted per route and sender in {@code wsroute_http_trailer_fields_dropped_total{route,from}},
 * and logged once, then at most once a minute with how many since (a client can send them at will).
 */
final class DroppedTrailers {
    private static final Logger LOG = Logger.getLogger(HttpExchange.class);
    private final LogThrottle throttle;

    DroppedTrailers(LongSupplier nanos) {
        this.throttle = new LogThrottle(nanos);
    }

    /**
     * @param from "client" (a request body) or "upstream" (an answer)
     * @param fields the fields dropped, as RFC 9110 names them
     */
    void dropped(ProxyMetrics metrics, RouteId route, String from, String fields) {
        metrics.trailerFieldsDropped(route, from);
        long n = throttle.count();
        if (n > 0) {
            LOG.warnf("dropped %s from the trailers of a chunked body from the %s (route %s): not allowed in trailers "
                    + "(RFC 9110 6.5.1); the rest went on (%d bod%s with such fields since the last such line)",
                    fields, from, ProxyMetrics.label(route), n, n == 1 ? "y" : "ies");
        }
    }
}

package dev.wsroute.tls;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import dev.wsroute.metrics.Meters;

/**
 * {@code wsroute_tls_certificate_expiry_timestamp_seconds{route,secret}}: the notAfter of each server certificate's
 * leaf in Unix seconds, one series per certificate a route's {@code spec.tls} names ({@code route="-"} for
 * {@code wsroute.tls.default-secret}), also while it is expired and the route gets the default certificate (so an
 * alert on it keeps firing). {@code secret} is "namespace/name", or the {@code certFile} in standalone mode. Follows
 * each table swap: a rotated Secret moves its value, a route or Secret that is gone takes its series with it.
 */
public final class CertificateExpiryMetrics {
    public static final String NAME = "wsroute.tls.certificate.expiry.timestamp.seconds";
    static final String NO_ROUTE = "-";

    private final Meters meters;
    private final Map<List<String>, Gauge> gauges = new HashMap<>();

    private record Gauge(AtomicLong notAfter, Meters.Registration registration) {
    }

    public CertificateExpiryMetrics(Meters meters) {
        this.meters = requireNonNull(meters, "meters");
    }

    /** After a table swap (and once for the table in force at start): the series of exactly its certificates. */
    public synchronized void tableChanged(ServerCertificates certificates) {
        Set<List<String>> wanted = new HashSet<>();
        for (ServedCertificate c : certificates.certificates()) {
            String route = c.route() == null ? NO_ROUTE : c.route().toString();
            List<String> key = List.of(route, c.source());
            if (!wanted.add(key)) {
                continue;
            }
            long seconds = c.notAfter().getEpochSecond();
            Gauge g = gauges.computeIfAbsent(key, k -> {
                AtomicLong value = new AtomicLong(seconds);
                return new Gauge(value, meters.gauge(NAME, "When the route's TLS certificate expires (notAfter of the leaf), in Unix seconds",
                        value, AtomicLong::get, "route", route, "secret", c.source()));
            });
            g.notAfter().set(seconds);
        }
        gauges.entrySet().removeIf(e -> {
            if (!wanted.contains(e.getKey())) {
                e.getValue().registration().remove();
                return true;
            }
            return false;
        });
    }
}

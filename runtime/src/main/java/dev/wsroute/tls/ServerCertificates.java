package dev.wsroute.tls;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.netty.handler.ssl.SslContext;

/**
 * The certificates the TLS listener serves, chosen by SNI: exact host over the longest wildcard over the default.
 * Immutable; part of a route table snapshot, so a rotation is one table swap.
 */
public final class ServerCertificates {
    public static final ServerCertificates NONE = new ServerCertificates(Map.of(), null);

    private final Map<String, SslContext> byHost; // "chat.example.com" or "*.example.com"
    private final SslContext fallback;
    private final List<ServedCertificate> certificates;

    public ServerCertificates(Map<String, SslContext> byHost, SslContext fallback) {
        this(byHost, fallback, List.of());
    }

    public ServerCertificates(Map<String, SslContext> byHost, SslContext fallback, List<ServedCertificate> certificates) {
        this.byHost = Map.copyOf(byHost);
        this.fallback = fallback;
        this.certificates = List.copyOf(certificates);
    }

    /** Every certificate this table was built with that parsed (served or not), in route order, the default last. */
    public List<ServedCertificate> certificates() {
        return certificates;
    }

    /**
     * The first instant after {@code now} at which one of these certificates starts or stops being valid: when this
     * table is out of date even if nothing else changes. Empty when no such instant comes.
     */
    public Optional<Instant> nextValidityChange(Instant now) {
        Instant next = null;
        for (ServedCertificate c : certificates) {
            for (Instant t : new Instant[] { c.notBefore(), c.notAfter() }) {
                if (t.isAfter(now) && (next == null || t.isBefore(next))) {
                    next = t;
                }
            }
        }
        return Optional.ofNullable(next);
    }

    public boolean isEmpty() {
        return byHost.isEmpty() && fallback == null;
    }

    /**
     * Whether a request for {@code host} may go on a connection whose handshake named {@code sni}: the two names choose
     * the same certificate (RFC 9110 §7.4; else 421 Misdirected Request, so a session opened for one host cannot be
     * used to reach another: domain fronting). Hosts that share a certificate (one Secret, a wildcard) or both get the
     * default pass, and so does every host when the client sent no SNI.
     *
     * @param host the request's host as routes match it (no port, lower case, no final dot)
     */
    public boolean servesAlike(String sni, String host) {
        return sni == null || select(sni) == select(host);
    }

    /**
     * The context for this SNI host name (null or unknown: the default), or null when there is none: a handshake failure.
     * A fully qualified name ("chat.example.com.", one final dot) is the same host, as Host matching has it.
     */
    public SslContext select(String sni) {
        if (sni != null) {
            String host = sni.toLowerCase(java.util.Locale.ROOT);
            if (host.length() > 1 && host.endsWith(".") && host.charAt(host.length() - 2) != '.') {
                host = host.substring(0, host.length() - 1);
            }
            SslContext ctx = byHost.get(host);
            if (ctx != null) {
                return ctx;
            }
            for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
                ctx = byHost.get("*" + host.substring(dot));
                if (ctx != null) {
                    return ctx;
                }
            }
        }
        return fallback;
    }
}

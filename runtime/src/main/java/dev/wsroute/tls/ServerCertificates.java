package dev.wsroute.tls;

import java.util.Map;

import io.netty.handler.ssl.SslContext;

/**
 * The certificates the TLS listener serves, chosen by SNI: exact host over the longest wildcard over the default.
 * Immutable; part of a route table snapshot, so a rotation is one table swap.
 */
public final class ServerCertificates {
    public static final ServerCertificates NONE = new ServerCertificates(Map.of(), null);

    private final Map<String, SslContext> byHost; // "chat.example.com" or "*.example.com"
    private final SslContext fallback;

    public ServerCertificates(Map<String, SslContext> byHost, SslContext fallback) {
        this.byHost = Map.copyOf(byHost);
        this.fallback = fallback;
    }

    public boolean isEmpty() {
        return byHost.isEmpty() && fallback == null;
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

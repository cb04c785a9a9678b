package dev.wsroute.model;

import java.util.List;
import java.util.Optional;

/**
 * A validated WebSocketRoute: every field checked, defaults applied, regular expressions compiled.
 *
 * @param hosts lower-case host names; empty means any host
 * @param httpBackends where plain HTTP for these hosts goes; empty means none declared
 */
public record Route(RouteId id, List<String> hosts, Optional<TlsRef> tls, List<Rule> rules, List<Backend> httpBackends) {
    public Route {
        hosts = List.copyOf(hosts);
        rules = List.copyOf(rules);
        httpBackends = List.copyOf(httpBackends);
    }

    /** Where the certificate of a route comes from: a Secret, or (standalone) PEM files. */
    public record TlsRef(String secretName, String certFile, String keyFile, boolean redirect) {
    }
}

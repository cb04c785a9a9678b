package dev.wsroute.tls;

import java.util.List;
import java.util.function.Consumer;

import dev.wsroute.model.Route;
import dev.wsroute.model.Rule;

/** Turns the TLS references of routes into contexts; problems are reported per route and never fail the table. */
public interface TlsResolver {

    /** The certificates of a table of these routes: one call per table build (a resolver may forget what a build left out). */
    ServerCertificates serverCertificates(List<Route> routes, Consumer<TlsProblem> problems);

    /**
     * The problems of one route's own certificate, as a table build would report them, for its status: no table is
     * built, so a resolver that keeps state per build must not count this as one.
     */
    default void checkServer(Route route, Consumer<TlsProblem> problems) {
        serverCertificates(List.of(route), problems);
    }

    /** The upstream TLS of a rule whose upstreamTls is set, or null when it can't be built (reported). */
    UpstreamTls upstream(Route route, Rule rule, Consumer<TlsProblem> problems);

    /** No TLS material at all: routes with TLS get a problem report. */
    TlsResolver NONE = new TlsResolver() {
        @Override
        public ServerCertificates serverCertificates(List<Route> routes, Consumer<TlsProblem> problems) {
            routes.stream().filter(r -> r.tls().isPresent())
                    .forEach(r -> problems.accept(new TlsProblem(r.id(), "SecretNotFound", "TLS is not configured here")));
            return ServerCertificates.NONE;
        }

        @Override
        public UpstreamTls upstream(Route route, Rule rule, Consumer<TlsProblem> problems) {
            problems.accept(new TlsProblem(route.id(), "InvalidUpstreamTLS", "upstream TLS is not configured here"));
            return null;
        }
    };
}

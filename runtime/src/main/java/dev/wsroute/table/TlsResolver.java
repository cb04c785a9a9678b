package dev.wsroute.table;

import java.util.List;
import java.util.function.Consumer;

import dev.wsroute.model.Route;
import dev.wsroute.model.Rule;
import dev.wsroute.tls.ServerCertificates;
import dev.wsroute.tls.UpstreamTls;

/** Turns the TLS references of routes into contexts; problems are reported per route and never fail the table. */
public interface TlsResolver {

    ServerCertificates serverCertificates(List<Route> routes, Consumer<TableProblem> problems);

    /** The upstream TLS of a rule whose upstreamTls is set, or null when it can't be built (reported). */
    UpstreamTls upstream(Route route, Rule rule, Consumer<TableProblem> problems);

    /** No TLS material at all: routes with TLS get a problem report. */
    TlsResolver NONE = new TlsResolver() {
        @Override
        public ServerCertificates serverCertificates(List<Route> routes, Consumer<TableProblem> problems) {
            routes.stream().filter(r -> r.tls().isPresent())
                    .forEach(r -> problems.accept(new TableProblem(r.id(), "SecretNotFound", "TLS is not configured here")));
            return ServerCertificates.NONE;
        }

        @Override
        public UpstreamTls upstream(Route route, Rule rule, Consumer<TableProblem> problems) {
            problems.accept(new TableProblem(route.id(), "InvalidUpstreamTLS", "upstream TLS is not configured here"));
            return null;
        }
    };
}

package dev.wsroute.runtime;

import java.util.Optional;

import org.eclipse.microprofile.config.Config;

import dev.wsroute.config.WsRouteConfig;
import io.quarkus.runtime.LaunchMode;

/**
 * The listener is the app's public port; the app's own HTTP server moves to loopback on a free port by default.
 * If both are still set to one port, say so in one line naming both properties, before either fails to bind.
 */
final class PortClash {
    private PortClash() {
    }

    static Optional<String> find(WsRouteConfig wsroute, Config config, LaunchMode mode) {
        boolean test = mode == LaunchMode.TEST;
        String ours = test ? "wsroute.listen.test-port" : "wsroute.listen.port";
        String theirs = test ? "quarkus.http.test-port" : "quarkus.http.port";
        int port = test ? wsroute.listen().testPort() : wsroute.listen().port();
        int appPort = config.getOptionalValue(theirs, Integer.class).orElse(0);
        String appHost = config.getOptionalValue("quarkus.http.host", String.class).orElse("127.0.0.1");
        if (port == 0 || port != appPort || !overlap(wsroute.listen().host(), appHost)) {
            return Optional.empty();
        }
        return Optional.of(("%s and %s are both %d: the wsroute listener is the app's public port; remove %s "
                + "(the app's HTTP server then listens on 127.0.0.1, any free port, behind the listener) or change one of them")
                .formatted(ours, theirs, port, theirs));
    }

    private static boolean overlap(String a, String b) {
        return a.equals(b) || wildcard(a) || wildcard(b) || (loopback(a) && loopback(b));
    }

    private static boolean loopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    private static boolean wildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }
}

package dev.wsroute.runtime;

import java.util.Set;

import dev.wsroute.proxy.ListenerBindException;
import io.quarkus.runtime.configuration.ConfigurationException;

/** Turns a listener that cannot bind into the one line Quarkus prints for a configuration error, naming the property. */
final class ListenerPorts {
    private ListenerPorts() {
    }

    /** Without a cause on purpose: Quarkus prints a root-cause ConfigurationException as its message alone. */
    static ConfigurationException explain(ListenerBindException e) {
        String property = e.tls() ? "wsroute.listen.tls-port" : "wsroute.listen.port";
        String env = e.tls() ? "WSROUTE_LISTEN_TLS_PORT" : "WSROUTE_LISTEN_PORT";
        return new ConfigurationException("wsroute: " + e.getMessage() + " (set " + property + ", env " + env
                + ", to another port" + (e.tls() ? ", or wsroute.listen.tls-enabled=false" : "") + ")", Set.of(property));
    }
}

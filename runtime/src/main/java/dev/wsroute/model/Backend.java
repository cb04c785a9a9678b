package dev.wsroute.model;

import java.util.List;

import dev.wsroute.api.PortRef;

/** A backend: a Service (resolved later into endpoints) or, in standalone mode, static endpoints. */
public record Backend(ServiceRef service, List<HostPort> endpoints, int weight) {
    public Backend {
        endpoints = List.copyOf(endpoints);
    }

    public record ServiceRef(String name, PortRef port) {
    }

    public record HostPort(String host, int port) {
        @Override
        public String toString() {
            return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
        }
    }
}

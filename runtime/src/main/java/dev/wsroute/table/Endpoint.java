package dev.wsroute.table;

import java.net.InetSocketAddress;

/**
 * One upstream address with its share of new connections. {@code key} ("host:port") identifies it across
 * table versions: connection counts and draining follow the key, not the object.
 */
public record Endpoint(String key, InetSocketAddress address, double weight) {

    public static Endpoint of(String host, int port, double weight) {
        return new Endpoint(key(host, port), new InetSocketAddress(host, port), weight);
    }

    /** The key of the endpoint at host:port (an IPv6 address in brackets). */
    public static String key(String host, int port) {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    @Override
    public String toString() {
        return key;
    }
}

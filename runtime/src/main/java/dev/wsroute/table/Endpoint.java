package dev.wsroute.table;

import java.net.InetSocketAddress;

/**
 * One upstream address with its share of new connections. {@code key} ("host:port") identifies it across
 * table versions: connection counts and draining follow the key, not the object.
 */
public record Endpoint(String key, InetSocketAddress address, double weight) {

    public static Endpoint of(String host, int port, double weight) {
        String key = host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
        return new Endpoint(key, new InetSocketAddress(host, port), weight);
    }

    @Override
    public String toString() {
        return key;
    }
}

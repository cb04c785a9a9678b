package dev.wsroute.table;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Finds the routes of the most specific host entry: exact over the longest wildcard over "any host". */
final class HostIndex {
    private final Map<String, List<CompiledRoute>> exact = new HashMap<>();
    private final Map<String, List<CompiledRoute>> wildcard = new HashMap<>(); // key: ".example.com"
    /** The lengths of the wildcard keys: a suffix of another length is not looked up (no substring made for it). */
    private final BitSet wildcardLengths = new BitSet();
    private final List<CompiledRoute> any = new ArrayList<>();

    void add(CompiledRoute route) {
        List<String> hosts = route.route().hosts();
        if (hosts.isEmpty()) {
            any.add(route);
        }
        for (String h : hosts) {
            if (h.startsWith("*.")) {
                wildcard.computeIfAbsent(h.substring(1), k -> new ArrayList<>()).add(route);
                wildcardLengths.set(h.length() - 1);
            } else {
                exact.computeIfAbsent(h, k -> new ArrayList<>()).add(route);
            }
        }
    }

    List<CompiledRoute> lookup(String host) {
        List<CompiledRoute> routes = exact.get(host);
        if (routes != null) {
            return routes;
        }
        for (int dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
            if (wildcardLengths.get(host.length() - dot)) {
                routes = wildcard.get(host.substring(dot));
                if (routes != null) {
                    return routes;
                }
            }
        }
        return any;
    }
}

package dev.wsroute.runtime;

import java.util.List;
import java.util.function.Supplier;

import org.eclipse.microprofile.config.ConfigProvider;

import dev.wsroute.config.WsRouteConfig;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.Pool;
import io.quarkus.runtime.LaunchMode;

/**
 * Where plain HTTP that no route claims goes ({@code wsroute.default-backend.target}): the embedding Quarkus app's
 * own HTTP server (the old design's "loopback pool", in process), a fixed address, or nowhere (404).
 */
final class DefaultBackend implements Supplier<Pool> {
    private final WsRouteConfig config;
    private volatile Pool pool;

    DefaultBackend(WsRouteConfig config) {
        this.config = config;
    }

    @Override
    public Pool get() {
        Pool p = pool;
        if (p == null) {
            p = resolve();
            pool = p;
        }
        return p.isEmpty() ? null : p;
    }

    private Pool resolve() {
        String target = config.defaultBackend().target().trim();
        if (target.equals("none")) {
            return Pool.defaultBackend(List.of());
        }
        if (target.equals("app")) {
            var c = ConfigProvider.getConfig();
            String key = LaunchMode.current() == LaunchMode.TEST ? "quarkus.http.test-port" : "quarkus.http.port";
            int port = c.getOptionalValue(key, Integer.class).orElse(LaunchMode.current() == LaunchMode.TEST ? 8081 : 8080);
            return single("127.0.0.1", port);
        }
        int colon = target.lastIndexOf(':');
        return single(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
    }

    private static Pool single(String host, int port) {
        return Pool.defaultBackend(List.of(Endpoint.of(host, port, 1)));
    }
}

package dev.wsroute.runtime;

import java.util.List;
import java.util.function.Supplier;

import org.eclipse.microprofile.config.Config;

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
    private final Config quarkusConfig;
    private volatile Pool pool;

    /** {@code quarkusConfig}: the app's config, read on the first request, once its HTTP server has bound a port. */
    DefaultBackend(WsRouteConfig config, Config quarkusConfig) {
        this.config = config;
        this.quarkusConfig = quarkusConfig;
    }

    @Override
    public Pool get() {
        Pool p = pool;
        if (p == null) {
            p = resolve();
            if (p == null) {
                return null; // the app's HTTP server has not bound its port yet
            }
            pool = p;
        }
        return p.isEmpty() ? null : p;
    }

    /** Whether what no route claims goes to the app's own HTTP server ({@code target=app}, the default). */
    boolean toApp() {
        return config.defaultBackend().target().trim().equals("app");
    }

    private Pool resolve() {
        String target = config.defaultBackend().target().trim();
        if (target.equals("none")) {
            return Pool.defaultBackend(List.of());
        }
        if (target.equals("app")) { // 127.0.0.1 on a free port, unless the app configured its HTTP server otherwise
            String key = LaunchMode.current() == LaunchMode.TEST ? "quarkus.http.test-port" : "quarkus.http.port";
            int port = quarkusConfig.getOptionalValue(key, Integer.class).orElse(0);
            String host = quarkusConfig.getOptionalValue("quarkus.http.host", String.class).orElse("127.0.0.1");
            return port == 0 ? null : single(host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host, port);
        }
        int colon = target.lastIndexOf(':');
        return single(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
    }

    private static Pool single(String host, int port) {
        return Pool.defaultBackend(List.of(Endpoint.of(host, port, 1)));
    }
}

package dev.wsroute.status;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.wsroute.proxy.DataPlane;
import dev.wsroute.runtime.WsRouteRuntime;
import io.quarkus.vertx.http.ManagementInterface;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The live status page on the management interface: {@code /q/wsroute} (HTML and its script, served from this jar),
 * {@code /q/wsroute/api/status} (the current snapshot as JSON) and {@code /q/wsroute/api/events} (server-sent events,
 * one snapshot a second). One {@link LiveStatus} ticks for all viewers, so rates cover the same second for everyone;
 * snapshots are made only while someone looks.
 */
@Singleton
public class StatusPage {
    private static final Logger LOG = Logger.getLogger(StatusPage.class);
    private static final String SECURITY_HEADERS = "default-src 'self'; connect-src 'self'; frame-ancestors 'none'";

    private final WsRouteRuntime runtime;
    private final Vertx vertx;
    private final ObjectMapper json = new ObjectMapper();

    StatusPage(WsRouteRuntime runtime, Vertx vertx) {
        this.runtime = runtime;
        this.vertx = vertx;
    }

    void serve(@Observes ManagementInterface management) {
        String root = ConfigProvider.getConfig().getOptionalValue("quarkus.management.root-path", String.class).orElse("/q")
                .replaceAll("/+$", "");
        StatusModel model = new StatusModel(runtime.routeTables(), () -> {
            DataPlane dp = runtime.dataPlane();
            return dp == null ? List.of() : dp.openTunnels();
        }, () -> {
            DataPlane dp = runtime.dataPlane();
            return dp == null ? List.of() : dp.health().endpoints();
        }, runtime.meters(), runtime::routesFileError, () -> StatusModel.connections(runtime.dataPlane()));
        LiveStatus live = new LiveStatus(model, this::encode);
        vertx.setPeriodic(LiveStatus.TICK_MILLIS, id -> tick(live));

        String page = resource("status.html").replace("${ROOT}", root);
        String script = resource("status.js");
        Router router = management.router();
        router.get(root + "/wsroute").handler(ctx -> send(ctx, "text/html; charset=utf-8", page));
        router.get(root + "/wsroute/status.js").handler(ctx -> send(ctx, "text/javascript; charset=utf-8", script));
        router.get(root + "/wsroute/api/status").handler(ctx -> send(ctx, "application/json", live.current()));
        router.get(root + "/wsroute/api/events").handler(ctx -> subscribe(ctx, live));
        LOG.debugf("status page on the management interface at %s/wsroute", root);
    }

    private static void tick(LiveStatus live) {
        try {
            live.tick();
        } catch (RuntimeException e) { // a failed sample must not end the ticks
            LOG.debug("status sample failed", e);
        }
    }

    private static void subscribe(RoutingContext ctx, LiveStatus live) {
        HttpServerResponse r = ctx.response();
        r.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-store")
                .putHeader("X-Content-Type-Options", "nosniff");
        LiveStatus.Viewer viewer = new LiveStatus.Viewer() {
            @Override
            public boolean gone() {
                return r.closed() || r.ended();
            }

            @Override
            public boolean busy() {
                return r.writeQueueFull();
            }

            @Override
            public void send(String event) {
                r.write(event);
            }
        };
        live.watch(viewer);
        r.closeHandler(v -> live.forget(viewer));
    }

    private static void send(RoutingContext ctx, String type, String body) {
        ctx.response().putHeader("Content-Type", type).putHeader("Cache-Control", "no-store")
                .putHeader("X-Content-Type-Options", "nosniff").putHeader("Content-Security-Policy", SECURITY_HEADERS)
                .end(body);
    }

    private String encode(StatusSnapshot s) {
        try {
            return json.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = StatusPage.class.getResourceAsStream("/dev/wsroute/status/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

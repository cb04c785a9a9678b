package dev.wsroute.deployment;

import jakarta.enterprise.event.Observes;

import io.vertx.ext.web.Router;

/** The app's own endpoint in the dev-mode test; the test edits this source to trigger a live reload. */
public class DevModeHelloRoutes {

    void routes(@Observes Router router) {
        router.get("/hello").handler(rc -> rc.end("hello"));
    }
}

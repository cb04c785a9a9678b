package dev.wsroute.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.wsroute.testing.EchoBackend;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** Starts the shared echo backend and writes a routes file like the app's routes.yaml, pointing at it. */
public class EchoBackendResource implements QuarkusTestResourceLifecycleManager {
    private EchoBackend server;
    private Path dir;

    @Override
    public Map<String, String> start() {
        try {
            server = EchoBackend.start("echo");
            dir = Files.createTempDirectory("wsroute-it");
            Path routes = dir.resolve("routes.yaml");
            Files.writeString(routes, """
                    apiVersion: wsroute.dev/v1alpha1
                    kind: WebSocketRoute
                    metadata: {name: echo, namespace: default}
                    spec:
                      rules:
                        - match: {path: {type: Prefix, value: /ws}}
                          backends: [{endpoints: ["127.0.0.1:%d"]}]
                    """.formatted(server.port()));
            return Map.of("wsroute.routes-file", routes.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
        if (dir != null) {
            try {
                Files.delete(dir.resolve("routes.yaml"));
                Files.delete(dir);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}

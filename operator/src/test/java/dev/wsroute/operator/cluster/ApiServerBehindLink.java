package dev.wsroute.operator.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.kubernetes.client.KubernetesServer;

/**
 * The CRUD mock API server with the CRD registered, which the application reaches only through an
 * {@link ApiServerLink} (so a test can take the API server away); the test itself talks to it directly.
 */
public class ApiServerBehindLink implements QuarkusTestResourceLifecycleManager {
    private static KubernetesServer server;
    private static ApiServerLink link;

    @Override
    public Map<String, String> start() {
        server = new KubernetesServer(false, true, InetAddress.getLoopbackAddress(), 0, List.of());
        server.before();
        Fixtures.registerCrd(server.getClient());
        try {
            link = new ApiServerLink(server.getClient().getMasterUrl().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("quarkus.kubernetes-client.api-server-url", link.url(),
                "quarkus.kubernetes-client.trust-certs", "true",
                "quarkus.kubernetes-client.namespace", "default");
    }

    /** A client that reaches the API server whether or not the link is up. */
    static KubernetesClient direct() {
        return server.getClient();
    }

    static ApiServerLink link() {
        return link;
    }

    @Override
    public void stop() {
        try {
            link.close();
        } catch (IOException e) {
            // closing anyway
        }
        server.after();
    }
}

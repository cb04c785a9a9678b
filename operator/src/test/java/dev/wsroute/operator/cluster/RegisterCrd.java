package dev.wsroute.operator.cluster;

import java.util.function.Consumer;

import io.quarkus.test.kubernetes.client.KubernetesServer;

/** Mock API server setup: the CRD goes in before the application starts its informers. */
public class RegisterCrd implements Consumer<KubernetesServer> {
    @Override
    public void accept(KubernetesServer server) {
        Fixtures.registerCrd(server.getClient());
    }
}

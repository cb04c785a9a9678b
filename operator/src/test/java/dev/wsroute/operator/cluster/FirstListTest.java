package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * The first-list retries that let a replica start while the API server is away: stopping ends them, whether asleep
 * between tries or in one, and nothing is started then.
 */
class FirstListTest {

    @Test
    void stoppingEndsTheTriesAndStartsNothing() throws Exception {
        int refused;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            refused = s.getLocalPort(); // closed again: connections to it are refused
        }
        AtomicInteger starts = new AtomicInteger();
        try (KubernetesClient k8s = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("http://127.0.0.1:" + refused).withNamespace("default").build()).build()) {
            FirstList first = new FirstList("ingress", "no routes yet", "routing", k8s, ClusterCache.Scope.FULL, null,
                    () -> {
                        starts.incrementAndGet();
                        return null;
                    });
            Thread t = new Thread(first::untilListed, "first-list-test");
            t.setDaemon(true); // should the tries not end, the test's JVM still does
            t.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> first.tries() >= 2);
            first.stop(); // as ModeStarter stops it
            t.interrupt();
            t.join(Duration.ofSeconds(30).toMillis());
            assertThat(t.isAlive()).as("the tries ended when stopped").isFalse();
            assertThat(starts).as("nothing started: the API server never answered").hasValue(0);
        }
    }
}

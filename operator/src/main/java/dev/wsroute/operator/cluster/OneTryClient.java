package dev.wsroute.operator.cluster;

import java.time.Duration;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.RequestConfigBuilder;

/**
 * A client, derived from the configured one (same connections, every other setting kept), that sends each request
 * once. fabric8 resends a request answered 5xx, or failed on the way, up to requestRetryBackoffLimit (10, Quarkus
 * leaves it so) times, 100 ms doubling to 3.2 s: about 19 s before the caller hears of it. Callers with their own
 * retries and deadlines (the status writer, the Lease) use this; the informers keep the client as configured.
 */
final class OneTryClient {
    private OneTryClient() {
    }

    static KubernetesClient of(KubernetesClient client) {
        return derive(client, new RequestConfigBuilder(client.getConfiguration().getRequestConfig()));
    }

    /** @param timeout how long one request may take, at most (a shorter configured request timeout is kept) */
    static KubernetesClient of(KubernetesClient client, Duration timeout) {
        RequestConfig configured = client.getConfiguration().getRequestConfig();
        // at least 1 ms (0 is no timeout at all), at most what fabric8 takes (a renew deadline of weeks)
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        Integer own = configured.getRequestTimeout(); // 0: none
        if (own != null && own > 0) {
            millis = Math.min(millis, own);
        }
        return derive(client, new RequestConfigBuilder(configured).withRequestTimeout(millis));
    }

    private static KubernetesClient derive(KubernetesClient client, RequestConfigBuilder config) {
        RequestConfig once = config.withRequestRetryBackoffLimit(0).build();
        return client.newClient(once).adapt(KubernetesClient.class);
    }
}

package dev.wsroute.operator.cluster;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * The CRUD mock API server (CRD registered) with the size limits a real one has in front of etcd: a write whose body
 * passes etcd's request limit (1.5 MiB by default) is refused as kube-apiserver does, with a 500 "etcdserver: request
 * is too large", and one past the API server's own 3 MiB request limit with a 413. It counts what it refused, and the
 * status writes it received with their sizes, when each came and from whom. A test may change etcd's limit, have every
 * status write answered with an error (an API server under load, etcd away), or one client's Lease requests (an API
 * server instance in trouble behind the load balancer that client's connection goes to).
 */
final class SizeLimitedApiServer implements AutoCloseable {
    /** etcd's default {@code --max-request-bytes}. */
    static final int ETCD_LIMIT = 1536 * 1024;
    private static final int REQUEST_LIMIT = 3 * 1024 * 1024;

    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final AtomicLong refused = new AtomicLong();
    private final Map<String, long[]> statusWrites = new ConcurrentHashMap<>();
    private final Queue<StatusWrite> statusWriteLog = new ConcurrentLinkedQueue<>();
    private volatile int etcdLimit;
    private volatile int statusWriteError;
    private volatile String leaseFailingFor;
    private volatile int leaseError;
    private volatile Duration leaseDelay = Duration.ZERO;

    /** A status write that came: when ({@link System#nanoTime()}), to which route (its name), from whom (User-Agent). */
    record StatusWrite(long nanos, String route, String writer) {
    }

    SizeLimitedApiServer(int initialEtcdLimit) {
        this.etcdLimit = initialEtcdLimit;
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        KubernetesMixedDispatcher crud = new KubernetesMixedDispatcher(responses);
        Dispatcher limited = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                long size = request.getBody() == null ? 0 : request.getBody().size();
                String method = request.getMethod();
                String path = request.getPath().split("\\?")[0];
                String agent = request.getHeader("User-Agent");
                if (path.contains("/leases") && agent != null && agent.equals(leaseFailingFor)) {
                    if (leaseError != 0) {
                        return failure(leaseError, "ServiceUnavailable", "the server is currently unable to handle the request");
                    }
                    return crud.dispatch(request).setBodyDelay(leaseDelay); // done at once, answered late
                }
                if (("PUT".equals(method) || "PATCH".equals(method)) && path.endsWith("/status")) {
                    // counted here: the CRUD dispatcher consumes the body
                    String route = path.substring(0, path.length() - "/status".length());
                    String name = route.substring(route.lastIndexOf('/') + 1);
                    long[] n = statusWrites.computeIfAbsent(name, k -> new long[2]);
                    synchronized (n) {
                        n[0]++;
                        n[1] += size;
                    }
                    statusWriteLog.add(new StatusWrite(System.nanoTime(), name, agent));
                    int error = statusWriteError;
                    if (error != 0) {
                        return failure(error, "ServiceUnavailable", "the server is currently unable to handle the request");
                    }
                }
                if (("PUT".equals(method) || "POST".equals(method) || "PATCH".equals(method)) && size > etcdLimit) {
                    refused.incrementAndGet();
                    return size > REQUEST_LIMIT
                            ? failure(413, "RequestEntityTooLarge", "Request entity too large: limit is " + REQUEST_LIMIT)
                            : failure(500, "InternalError", "etcdserver: request is too large");
                }
                return crud.dispatch(request);
            }
        };
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, limited, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
        Fixtures.registerCrd(client);
    }

    private static MockResponse failure(int code, String reason, String message) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\""
                        + message + "\",\"reason\":\"" + reason + "\",\"code\":" + code + "}");
    }

    KubernetesClient client() {
        return client;
    }

    /**
     * {count, bytes} of the status writes (refused ones too) to routes of this name since the last call; null or ""
     * for every route.
     */
    long[] takeStatusWrites(String route) {
        long[] sum = new long[2];
        statusWrites.forEach((name, n) -> {
            if (route == null || route.isEmpty() || route.equals(name)) {
                synchronized (n) {
                    sum[0] += n[0];
                    sum[1] += n[1];
                    n[0] = 0;
                    n[1] = 0;
                }
            }
        });
        return sum;
    }

    /** Every status write so far, in the order they came. */
    List<StatusWrite> statusWriteLog() {
        return List.copyOf(statusWriteLog);
    }

    /** etcd's {@code --max-request-bytes} from now on. */
    void etcdLimit(int bytes) {
        etcdLimit = bytes;
    }

    /** Every status write from now on is answered with this HTTP code (an API server that cannot take it); 0: none. */
    void failStatusWrites(int code) {
        statusWriteError = code;
    }

    /** Every Lease request of the client with this User-Agent is answered with this HTTP code from now on; 0: none. */
    void failLeaseRequests(String userAgent, int code) {
        leaseDelay = Duration.ZERO;
        leaseError = code;
        leaseFailingFor = userAgent;
    }

    /** Every Lease request of the client with this User-Agent is carried out at once but answered this late from now on. */
    void delayLeaseRequests(String userAgent, Duration delay) {
        leaseError = 0;
        leaseDelay = delay;
        leaseFailingFor = userAgent;
    }

    /** Every Lease request is answered as it should be from now on. */
    void answerLeaseRequests() {
        leaseFailingFor = null;
        leaseError = 0;
        leaseDelay = Duration.ZERO;
    }

    /** How many writes were refused as too large. */
    long refused() {
        return refused.get();
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}

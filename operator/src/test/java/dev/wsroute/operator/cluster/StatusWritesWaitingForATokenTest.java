package dev.wsroute.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.wsroute.operator.crd.WebSocketRoute;
import dev.wsroute.operator.translate.Translation;
import dev.wsroute.operator.translate.Translator;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Routes whose status writes wait for a token of the cap across routes, against the CRUD mock API server, the pace
 * counted on a clock the test moves (the writer's looks still come in real time): at 0.001 writes a second the writer
 * writes its burst, then the next route once that clock has moved on 1,000 s; at 1e-12 (what the settings check now
 * refuses) it puts its next look off by an hour, neither never nor at once again and again; and a route deleted while it
 * waits is not written, its token going to the next route.
 */
class StatusWritesWaitingForATokenTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String NS = "shop";

    private final AtomicLong clock = new AtomicLong();
    private SizeLimitedApiServer api;
    private KubernetesClient client;
    private ClusterCache cache;
    private StatusWriter writer;

    @BeforeEach
    void start() {
        api = new SizeLimitedApiServer(SizeLimitedApiServer.ETCD_LIMIT);
        client = api.client();
        client.resource(Fixtures.service(NS, "feed", 80, "ws")).create();
        client.resource(Fixtures.slice(NS, "feed", "feed", "ws", 8080, List.of("10.0.0.1"), List.of())).create();
        for (String name : List.of("a", "b", "c")) {
            client.resource(Fixtures.route(NS, name, List.of(name + ".example.com"), "/", "feed", "80")).create();
        }
        cache = new ClusterCache(client, Optional.empty()).start(ClusterCache.Scope.FULL);
        await().atMost(WAIT).until(() -> cache.routes().size() == 3);
    }

    @AfterEach
    void stop() {
        if (writer != null) {
            writer.close();
        }
        cache.close();
        api.close();
    }

    @Test
    void atOneWriteIn1000SecondsTheNextRouteIsWrittenWhenItsTokenComes() {
        writer = writer(0.001);
        writer.accept(pass());
        await().atMost(WAIT).until(() -> written("a") && writer.looks() >= 1);
        assertThat(writer.nanosUntilNextLook()).as("the next look: when the next token comes, 1,000 s on")
                .isBetween(TimeUnit.SECONDS.toNanos(900), TimeUnit.SECONDS.toNanos(1000) + TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(writtenRoutes()).containsExactly("a");

        clock.addAndGet(TimeUnit.SECONDS.toNanos(1000));
        writer.accept(pass());
        await().atMost(WAIT).until(() -> written("b"));
        assertThat(writtenRoutes()).as("one token: one more route").containsExactly("a", "b");
    }

    /**
     * At 1e-12 the token is Long.MAX_VALUE ns away, which was also the writer's "no look needed": no look came back for
     * b and c at all. At 1e9 / (Long.MAX_VALUE - 500,000) it is just under that, and adding the rounding to it went
     * negative: a look at once, again and again, a thread spinning.
     */
    @ParameterizedTest
    @ValueSource(doubles = { 1e-12, 1e9 / (Long.MAX_VALUE - 500_000.0) })
    void atARateTooSmallForTheArithmeticTheNextLookIsPutOffByAnHour(double writesPerSecond) {
        writer = writer(writesPerSecond);
        writer.accept(pass());
        await().atMost(WAIT).until(() -> written("a") && writer.looks() >= 1);
        assertThat(writer.nanosUntilNextLook()).as("the next look")
                .isGreaterThan(TimeUnit.MILLISECONDS.toNanos(StatusWriter.MAX_LOOK_DELAY_MILLIS) - TimeUnit.MINUTES.toNanos(1));
        assertThat(writtenRoutes()).containsExactly("a");
    }

    @Test
    void aRouteDeletedWhileItWaitsForATokenIsNotWrittenAndItsTokenGoesToTheNextRoute() {
        writer = writer(1); // a token a second on the test's clock, after a burst of one
        Translation before = pass(); // lists b: the writer's latest pass when b is deleted
        writer.accept(before);
        await().atMost(WAIT).until(() -> written("a"));
        assertThat(writtenRoutes()).as("b and c wait for a token").containsExactly("a");

        client.resources(WebSocketRoute.class).inNamespace(NS).withName("b").delete();
        await().atMost(WAIT).until(() -> cache.routes().stream().noneMatch(r -> r.getMetadata().getName().equals("b")));
        clock.addAndGet(TimeUnit.SECONDS.toNanos(1)); // one token; the writer's next look (due within a second) takes it

        await().atMost(WAIT).until(() -> written("c"));
        assertThat(writtenRoutes()).as("status writes sent, in order: b's token went to c").containsExactly("a", "c");
    }

    private StatusWriter writer(double writesPerSecond) {
        return new StatusWriter(client, cache, () -> true, null, new StatusPace(Duration.ofSeconds(1), writesPerSecond, 1),
                clock::get);
    }

    private Translation pass() {
        return new Translator().translate(cache);
    }

    private boolean written(String route) {
        return cache.routes().stream().anyMatch(r -> r.getMetadata().getName().equals(route) && r.getStatus() != null);
    }

    /** The routes of every status write the API server received, in order (refused or not). */
    private List<String> writtenRoutes() {
        return api.statusWriteLog().stream().map(SizeLimitedApiServer.StatusWrite::route).toList();
    }
}

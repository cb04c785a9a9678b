package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.metrics.Meters;
import dev.wsroute.model.Lifecycle;
import dev.wsroute.model.RouteId;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.EndpointSource;
import dev.wsroute.table.PoolId;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.testing.TestRoutes;
import dev.wsroute.tls.TlsResolver;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.table.RuleKey;
import dev.wsroute.testing.TestConfig;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * Shutdown waits for the open tunnels: the wait ends when the last one closes, not when its timeout runs out. Closes
 * look for an empty registry only once a wait has begun, so this checks both orders: the last close after the wait
 * began, and the last close before it.
 */
class TunnelRegistryTest {
    private final Transport transport = Transport.create(1, Transport.Kind.NIO);
    private final RouteTableHolder tables = new RouteTableHolder();
    private final ProxyContext px = new ProxyContext(TestConfig.wsroute("wsroute.access-log.enabled", "false"), tables,
            new ProxyMetrics(Meters.NONE), () -> null, transport);

    @AfterEach
    void stop() {
        transport.group().shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    @Test
    void aWaitForTheLastTunnelEndsWhenItCloses() {
        Tunnel first = tunnel();
        Tunnel second = tunnel();
        px.tunnels.add(first);
        px.tunnels.add(second);
        // far longer than the test may take: only the last close can end this wait in time
        CompletableFuture<Boolean> emptied = CompletableFuture.supplyAsync(() -> awaitEmpty(Duration.ofMinutes(10)));
        px.tunnels.remove(first);
        assertThat(px.tunnels.size()).isEqualTo(1);
        px.tunnels.remove(second);

        await().atMost(Duration.ofSeconds(60)).until(emptied::isDone);
        assertThat(emptied.join()).as("no tunnel left").isTrue();
    }

    @Test
    void aWaitThatBeginsWithNoTunnelOpenEndsAtOnce() {
        Tunnel only = tunnel();
        px.tunnels.add(only);
        px.tunnels.remove(only);

        assertThat(awaitEmpty(Duration.ofMinutes(10))).isTrue();
    }

    @Test
    void aWaitForTunnelsThatStayOpenEndsAtItsTimeoutAndSaysSo() {
        px.tunnels.add(tunnel());

        assertThat(awaitEmpty(Duration.ofMillis(50))).isFalse();
    }

    /**
     * Routes made and deleted (a preview environment per pull request): their rules' connection counts (maxConnections)
     * go with them, one still in use when its last connection ends, instead of one count per rule ever seen.
     */
    @Test
    void theConnectionCountsOfDeletedRulesGoWithThemOnceTheirLastConnectionEnds() {
        PoolId held = null;
        for (int pr = 0; pr < 10; pr++) {
            RouteTable table = new TableBuilder(EndpointSource.STATIC, TlsResolver.NONE).build(pr + 1, RoutesDocuments.parse("test",
                    TestRoutes.wsAndHttp("pr-" + pr, "/ws", "127.0.0.1:9").getBytes(StandardCharsets.UTF_8)).routes(), p -> {
                    });
            tables.publish(table); // the route of the pull request before is deleted
            PoolId rule = table.routes().get(0).rules().get(0).key();
            assertThat(px.tunnels.tryAcquire(rule, 1)).isTrue();
            assertThat(px.tunnels.tryAcquire(rule, 1)).as("at its maxConnections").isFalse();
            if (pr == 0) {
                held = rule; // a socket of the first one stays open, draining
            } else {
                px.tunnels.release(rule);
            }
        }
        assertThat(px.tunnels.rulesCounted()).as("the live rule's and the one still in use").isEqualTo(2);

        px.tunnels.release(held);
        assertThat(px.tunnels.rulesCounted()).isEqualTo(1);
    }

    private boolean awaitEmpty(Duration timeout) {
        try {
            return px.tunnels.awaitEmpty(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Tunnel tunnel() {
        return new Tunnel(new EmbeddedChannel(), new EmbeddedChannel(), new RuleKey(new RouteId("default", "chat"), "rule-0", 0),
                Endpoint.of("127.0.0.1", 9, 1), px.tunnelContext, null, Lifecycle.NONE, System.nanoTime());
    }
}

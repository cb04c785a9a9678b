package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.metrics.Meters;
import dev.wsroute.model.Lifecycle;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.Endpoint;
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
    private final ProxyContext px = new ProxyContext(TestConfig.wsroute("wsroute.access-log.enabled", "false"), new RouteTableHolder(),
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
                Endpoint.of("127.0.0.1", 9, 1), px.tunnelContext, null, Lifecycle.NONE);
    }
}

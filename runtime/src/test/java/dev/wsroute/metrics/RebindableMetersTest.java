package dev.wsroute.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.wsroute.metrics.micrometer.MicrometerMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** A dev-mode reload brings a new registry: meters made before it count there from then on, and only there. */
class RebindableMetersTest {
    final SimpleMeterRegistry first = new SimpleMeterRegistry();
    final SimpleMeterRegistry second = new SimpleMeterRegistry();
    final RebindableMeters meters = new RebindableMeters(new MicrometerMeters(first));

    @Test
    void countersTimersAndGaugesMoveToTheNewRegistry() {
        Meters.Counter messages = meters.counter("wsroute.websocket.messages", "relayed", null, "route", "default/chat", "direction", "upstream");
        Meters.Timer handshake = meters.timer("wsroute.websocket.handshake", "to 101", "route", "default/chat");
        AtomicInteger active = new AtomicInteger(3);
        meters.gauge("wsroute.websocket.active", "open", active, AtomicInteger::get, "route", "default/chat");
        messages.increment(2);
        handshake.record(5, TimeUnit.MILLISECONDS);

        meters.bindTo(new MicrometerMeters(second));
        messages.increment(7);
        handshake.record(9, TimeUnit.MILLISECONDS);
        active.set(4);

        assertThat(second.get("wsroute.websocket.messages").tags("route", "default/chat", "direction", "upstream").counter().count()).isEqualTo(7);
        assertThat(second.get("wsroute.websocket.handshake").timer().count()).isEqualTo(1);
        assertThat(second.get("wsroute.websocket.active").gauge().value()).isEqualTo(4);
        assertThat(first.get("wsroute.websocket.messages").counter().count()).isEqualTo(2);
        assertThat(first.get("wsroute.websocket.handshake").timer().count()).isEqualTo(1);
        assertThat(meters.read("wsroute.websocket.messages")).singleElement().satisfies(r -> {
            assertThat(r.value()).isEqualTo(7);
            assertThat(r.tag("direction")).isEqualTo("upstream");
        });
    }

    @Test
    void aRemovedGaugeLeavesTheRegistryAndIsNotBoundAgain() {
        Meters.Registration healthy = meters.gauge("wsroute.endpoint.healthy", "1 healthy", new AtomicInteger(1), AtomicInteger::get,
                "route", "default/chat", "endpoint", "127.0.0.1:9001");
        healthy.remove();
        meters.bindTo(new MicrometerMeters(second));

        assertThat(first.find("wsroute.endpoint.healthy").gauge()).isNull();
        assertThat(second.find("wsroute.endpoint.healthy").gauge()).isNull();
    }

    @Test
    void aRemovedCounterLeavesTheRegistryAndIsNotBoundAgainWhileItsNeighboursStay() {
        meters.counter("wsroute.endpoint.ejections", "ejected", null, "route", "default/chat", "endpoint", "127.0.0.1:9001").increment();
        meters.counter("wsroute.endpoint.ejections", "ejected", null, "route", "default/chat", "endpoint", "127.0.0.1:9002").increment();
        meters.remove("wsroute.endpoint.ejections", "route", "default/chat", "endpoint", "127.0.0.1:9001");
        meters.bindTo(new MicrometerMeters(second));

        assertThat(first.find("wsroute.endpoint.ejections").counters()).singleElement()
                .satisfies(c -> assertThat(c.getId().getTag("endpoint")).isEqualTo("127.0.0.1:9002"));
        assertThat(second.find("wsroute.endpoint.ejections").counters()).singleElement()
                .satisfies(c -> assertThat(c.getId().getTag("endpoint")).isEqualTo("127.0.0.1:9002"));
    }

    @Test
    void aRemovedTimerLeavesTheRegistryAndIsNotBoundAgain() { // a deleted route's handshake and session times
        meters.timer("wsroute.websocket.session", "length", "route", "default/gone").record(1, TimeUnit.SECONDS);
        meters.timer("wsroute.websocket.session", "length", "route", "default/chat").record(1, TimeUnit.SECONDS);
        meters.remove("wsroute.websocket.session", "route", "default/gone");
        meters.bindTo(new MicrometerMeters(second));

        assertThat(first.find("wsroute.websocket.session").timers()).singleElement()
                .satisfies(t -> assertThat(t.getId().getTag("route")).isEqualTo("default/chat"));
        assertThat(second.find("wsroute.websocket.session").timers()).singleElement()
                .satisfies(t -> assertThat(t.getId().getTag("route")).isEqualTo("default/chat"));
    }

    @Test
    void withoutMicrometerNothingIsKept() {
        Meters.Counter c = Meters.NONE.counter("wsroute.websocket.messages", "relayed", null, "route", "-");
        c.increment();
        assertThat(Meters.NONE.read("wsroute.websocket.messages")).isEmpty();
    }
}

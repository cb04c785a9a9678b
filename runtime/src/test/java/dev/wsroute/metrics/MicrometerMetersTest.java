package dev.wsroute.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.wsroute.metrics.micrometer.MicrometerMeters;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * In a composite registry (what Quarkus injects) the data plane counts in the member's meter when there is one member;
 * the composite, its member and the status page's reading all see the same counts, whatever the composite holds.
 */
class MicrometerMetersTest {

    @Test
    void aCompositeOfOneMemberCountsInTheMembersMeter() {
        SimpleMeterRegistry prometheus = new SimpleMeterRegistry();
        prometheus.config().meterFilter(MeterFilter.commonTags(java.util.List.of(io.micrometer.core.instrument.Tag.of("app", "wsroute"))));
        CompositeMeterRegistry composite = new CompositeMeterRegistry();
        composite.add(prometheus);
        MicrometerMeters meters = new MicrometerMeters(composite);

        Meters.Counter requests = meters.counter("wsroute.http.requests", "requests", null, "route", "default/web", "status", "200");
        meters.counter("wsroute.http.requests", "requests", null, "route", "default/web", "status", "404").increment();
        Meters.Timer duration = meters.timer("wsroute.websocket.duration", "open", "route", "default/web");
        requests.increment();
        requests.increment(2);
        duration.record(5, TimeUnit.MILLISECONDS);

        assertThat(prometheus.get("wsroute.http.requests").tags("status", "200", "app", "wsroute").counter().count()).isEqualTo(3);
        assertThat(prometheus.get("wsroute.http.requests").tags("status", "404").counter().count()).isEqualTo(1);
        assertThat(composite.get("wsroute.http.requests").tags("status", "200").counter().count()).isEqualTo(3);
        assertThat(prometheus.get("wsroute.websocket.duration").timer().count()).isEqualTo(1);
        assertThat(meters.read("wsroute.http.requests")).extracting(r -> r.tag("status") + "=" + r.value())
                .containsExactlyInAnyOrder("200=3.0", "404=1.0");
    }

    @Test
    void aCompositeOfSeveralMembersCountsInEach() {
        SimpleMeterRegistry one = new SimpleMeterRegistry();
        SimpleMeterRegistry two = new SimpleMeterRegistry();
        CompositeMeterRegistry composite = new CompositeMeterRegistry();
        composite.add(one);
        composite.add(two);

        new MicrometerMeters(composite).counter("wsroute.http.requests", "requests", null, "status", "200").increment();

        assertThat(one.get("wsroute.http.requests").counter().count()).isEqualTo(1);
        assertThat(two.get("wsroute.http.requests").counter().count()).isEqualTo(1);
    }

    @Test
    void aMeterThatTheMembersFilterDeniesIsCountedNowhere() {
        SimpleMeterRegistry member = new SimpleMeterRegistry();
        member.config().meterFilter(MeterFilter.denyNameStartsWith("wsroute.http"));
        CompositeMeterRegistry composite = new CompositeMeterRegistry();
        composite.add(member);

        new MicrometerMeters(composite).counter("wsroute.http.requests", "requests", null, "status", "200").increment();

        assertThat(member.find("wsroute.http.requests").counter()).isNull();
    }

    /** Quarkus applies an app's MeterFilter beans (common tags) to the composite too: its meters carry more tags. */
    @Test
    void aCounterAndTimerUnderCommonTagsAreRemovedFromTheCompositeAndItsMember() {
        SimpleMeterRegistry member = new SimpleMeterRegistry();
        CompositeMeterRegistry composite = new CompositeMeterRegistry();
        composite.config().meterFilter(MeterFilter.commonTags(java.util.List.of(io.micrometer.core.instrument.Tag.of("env", "prod"))));
        member.config().meterFilter(MeterFilter.commonTags(java.util.List.of(io.micrometer.core.instrument.Tag.of("env", "prod"))));
        composite.add(member);
        MicrometerMeters meters = new MicrometerMeters(composite);
        meters.counter("wsroute.upstream.connect.failures", "failures", null, "route", "default/chat", "endpoint", "10.0.0.7:8080").increment();
        meters.counter("wsroute.upstream.connect.failures", "failures", null, "route", "default/chat", "endpoint", "10.0.0.8:8080").increment();
        meters.timer("wsroute.websocket.session", "open", "route", "default/chat").record(5, TimeUnit.MILLISECONDS);

        meters.remove("wsroute.upstream.connect.failures", "route", "default/chat", "endpoint", "10.0.0.7:8080");
        meters.remove("wsroute.websocket.session", "route", "default/chat");

        for (io.micrometer.core.instrument.MeterRegistry r : java.util.List.of(composite, member)) {
            assertThat(r.find("wsroute.upstream.connect.failures").tag("endpoint", "10.0.0.7:8080").meters()).isEmpty();
            assertThat(r.find("wsroute.upstream.connect.failures").tag("endpoint", "10.0.0.8:8080").counter().count()).isEqualTo(1);
            assertThat(r.find("wsroute.websocket.session").meters()).isEmpty();
        }
    }
}

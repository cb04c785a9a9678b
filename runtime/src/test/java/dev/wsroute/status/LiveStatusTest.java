package dev.wsroute.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.wsroute.metrics.micrometer.MicrometerMeters;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.WsClient;

/**
 * The live status feed over our real data plane: snapshots (a walk over every open tunnel, then JSON) are made only
 * while someone watches or asks, and the closes of the last minute are still counted while nobody does.
 */
class LiveStatusTest {
    final AtomicInteger samples = new AtomicInteger();
    final ObjectMapper json = new ObjectMapper();
    EchoBackend echo;
    ProxyHarness px;
    LiveStatus live;

    @BeforeEach
    void start() throws Exception {
        echo = EchoBackend.start("a");
        px = new ProxyHarness(TestConfig.wsroute());
        px.routes(StatusModelTest.routes(echo.endpoint()));
        StatusModel model = new StatusModel(px.tables, () -> {
            samples.incrementAndGet();
            return px.dataPlane.openTunnels();
        }, () -> px.dataPlane.health().endpoints(), new MicrometerMeters(px.metrics), () -> null,
                () -> StatusModel.connections(px.dataPlane));
        live = new LiveStatus(model, s -> {
            try {
                return json.writeValueAsString(s);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @AfterEach
    void stop() {
        px.close();
        echo.close();
    }

    @Test
    void nobodyWatchingMeansNoSnapshotYetClosesAreCounted() throws Exception {
        try (WsClient c = WsClient.connect(px.port(), "/x")) {
            c.ws.sendText("close-me", true); // the echo backend closes with 4000
            assertThat(c.awaitClose()).isEqualTo(4000);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> px.metrics.find("wsroute.websocket.closes").tag("code", "4000").counter() != null);
        for (int i = 0; i < 5; i++) {
            live.tick();
        }
        assertThat(samples).as("snapshots made with nobody watching").hasValue(0);

        // asked for: one snapshot, and it has the close of seconds ago
        String now = live.current();
        assertThat(samples).hasValue(1);
        assertThat(json.readTree(now).at("/routes/0/closesLastMinute").toString()).isEqualTo("{\"4000\":1}");
    }

    @Test
    void eachTickSendsViewersASnapshotUntilTheyAreGone() throws Exception {
        Viewer viewer = new Viewer();
        live.watch(viewer);
        assertThat(viewer.events).hasSize(1).allSatisfy(e -> assertThat(e).startsWith("retry: 2000\n\ndata: {"));
        try (WsClient c = WsClient.connect(px.port(), "/x")) {
            assertThat(c.roundTrip("hello")).isEqualTo("hello");
            live.tick();
            assertThat(viewer.events).hasSize(2);
            assertThat(json.readTree(viewer.events.get(1).substring("data: ".length())).get("openWebSockets").asInt()).isEqualTo(1);
        }
        viewer.gone = true;
        live.tick();
        assertThat(live.viewers()).isZero();
        int before = samples.get();
        live.tick();
        live.tick();
        assertThat(samples).as("snapshots once the viewer left").hasValue(before);
        assertThat(viewer.events).hasSize(2);
    }

    @Test
    void aBusyViewerSkipsTicks() {
        Viewer viewer = new Viewer();
        live.watch(viewer);
        viewer.busy = true;
        live.tick();
        assertThat(viewer.events).hasSize(1);
        viewer.busy = false;
        live.tick();
        assertThat(viewer.events).hasSize(2);
    }

    /** A page's event stream, as the status page adapts a Vert.x response to it. */
    static final class Viewer implements LiveStatus.Viewer {
        final List<String> events = new CopyOnWriteArrayList<>();
        volatile boolean gone;
        volatile boolean busy;

        @Override
        public boolean gone() {
            return gone;
        }

        @Override
        public boolean busy() {
            return busy;
        }

        @Override
        public void send(String event) {
            events.add(event);
        }
    }
}

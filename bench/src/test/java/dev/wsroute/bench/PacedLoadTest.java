package dev.wsroute.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The load generator's {@code --rate} against a real echo backend: the offered load, not as much as it can. */
class PacedLoadTest {
    private static final int RATE = 400;
    private static final int PARTICIPANTS = 8;
    private static EventLoopGroup boss;
    private static EventLoopGroup workers;
    private static EventLoopGroup clients;
    private static Channel backend;

    @BeforeAll
    static void startBackend() throws InterruptedException {
        boss = Transport.group(1);
        workers = Transport.group(1);
        clients = Transport.group(2);
        backend = EchoBackend.bind(InetAddress.getLoopbackAddress(), 0, boss, workers);
    }

    @AfterAll
    static void stopBackend() {
        backend.close().syncUninterruptibly();
        for (EventLoopGroup g : new EventLoopGroup[] {clients, workers, boss}) {
            g.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"echo", "sessions", "http"})
    void runsTheOfferedRateAndCountsNoError(String scenario) throws InterruptedException {
        int port = ((InetSocketAddress) backend.localAddress()).getPort();
        String[] argv = {"--scenario", scenario, "--port", Integer.toString(port), "--path", "/ws",
            "--conns", Integer.toString(PARTICIPANTS), "--rate", Integer.toString(RATE), "--secs", "2",
            "--warmup-secs", "0"};
        Result result = LoadGen.run(new Args(argv, LoadGen.OPTIONS), clients);

        long ops = Long.parseLong(result.get("ops"));
        double secs = Double.parseDouble(result.get("secs"));
        assertThat(result.get("errors")).isEqualTo("0");
        assertThat(result.get("offered_rate")).isEqualTo("400.00");
        // at most the operations due in the window, plus the one each participant had in flight as it opened and
        // closed: back to back, a loopback echo runs thousands per second
        assertThat(ops).isLessThanOrEqualTo(Math.round(RATE * secs) + 2L * PARTICIPANTS);
        // and not far fewer: an operation that starts late is caught up, not skipped (a generous bound)
        assertThat(ops).isGreaterThanOrEqualTo(Math.round(RATE * secs / 2));
    }
}

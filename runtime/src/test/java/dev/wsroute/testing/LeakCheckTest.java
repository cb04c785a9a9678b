package dev.wsroute.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;

/** The guard itself: this module's tests run with Netty's leak detection, and a buffer dropped unreleased is reported. */
class LeakCheckTest {
    @Test
    void aBufferDroppedWithoutReleaseIsReportedWithWhereItWasMade() throws Exception {
        ByteBufAllocator.DEFAULT.buffer(1).release(); // Netty makes its buffer leak detector with its first buffer
        Assumptions.assumeTrue(ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.DISABLED,
                "leak detection turned off (-Dwsroute.leakDetection=disabled)");
        Peers.require(RecordingLeakDetector.installed() && ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.PARANOID,
                "Netty's leak detection as the runtime module's surefire configuration sets it");
        leakOne();
        List<String> ours = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (int i = 0; i < 5 && ours.isEmpty(); i++) { // a bound: two collections find it, always so far
            for (String leak : LeakCheck.reported()) {
                (leak.contains("LeakCheckTest.leakOne") ? ours : others).add(leak);
            }
        }
        assertThat(others).as("leaks of earlier test classes, still reachable after them").isEmpty();
        assertThat(ours).singleElement().asString().contains("Created at:");
    }

    /** A buffer written to and dropped: unreachable once this returns (pooled: unpooled heap buffers are not tracked). */
    private static void leakOne() {
        PooledByteBufAllocator.DEFAULT.heapBuffer(8).writeLong(42);
    }
}

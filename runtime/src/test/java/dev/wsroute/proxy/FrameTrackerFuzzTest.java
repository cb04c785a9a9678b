package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Jazzer fuzz target for the frame tracker: arbitrary bytes, in arbitrary pieces, never make it throw, and its
 * reported boundaries always lie inside the buffer it was shown. Runs over its seed inputs in the normal build,
 * and fuzzes with {@code JAZZER_FUZZ=1}.
 */
class FrameTrackerFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void frameTrackerNeverCrashes(byte[] input) {
        int split = input.length == 0 ? 1 : 1 + (input[0] & 0x0f);
        FrameTracker tracker = new FrameTracker();
        long total = 0;
        for (int i = 0; i < input.length; i += split) {
            int n = Math.min(split, input.length - i);
            ByteBuf piece = Unpooled.wrappedBuffer(input, i, n);
            int boundary = tracker.observe(piece);
            assertThat(boundary).isBetween(-1, piece.writerIndex());
            assertThat(boundary).isNotEqualTo(piece.readerIndex());
            total += n;
        }
        assertThat(tracker.bytes()).isEqualTo(total);
        assertThat(tracker.messages()).isBetween(0L, total);
    }
}

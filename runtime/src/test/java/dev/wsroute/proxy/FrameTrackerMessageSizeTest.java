package dev.wsroute.proxy;

import static dev.wsroute.proxy.FrameTrackerTest.frame;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;

import org.junit.jupiter.api.Test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** maxMessageSize from frame headers alone: the frames of a message add up, control frames don't, and the cut is at a frame start. */
class FrameTrackerMessageSizeTest {
    private static final int CONTINUATION = 0x0;
    private static final int TEXT = 0x1;
    private static final int BINARY = 0x2;
    private static final int PING = 0x9;

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void aMessageAtTheLimitPassesAndOneByteMoreIsCaughtAtItsFrameStart() {
        FrameTracker t = new FrameTracker(100);
        byte[] ok = frame(true, BINARY, true, new byte[100]);
        byte[] tooBig = frame(true, BINARY, true, new byte[101]);
        ByteBuf buf = Unpooled.wrappedBuffer(concat(ok, tooBig));
        t.observe(buf);
        assertThat(t.tooBigAt()).isEqualTo(ok.length);
    }

    @Test
    void fragmentsOfOneMessageAddUpAndInterleavedPingsDoNotCount() {
        FrameTracker t = new FrameTracker(100);
        byte[] first = frame(false, TEXT, true, new byte[60]);
        byte[] ping = frame(true, PING, true, new byte[100]);
        byte[] second = frame(false, CONTINUATION, true, new byte[40]);
        byte[] third = frame(true, CONTINUATION, true, new byte[1]);
        t.observe(Unpooled.wrappedBuffer(concat(first, ping, second)));
        assertThat(t.tooBigAt()).isEqualTo(FrameTracker.NOT_TOO_BIG);
        t.observe(Unpooled.wrappedBuffer(third));
        assertThat(t.tooBigAt()).isZero();
    }

    @Test
    void aNewMessageStartsFromZero() {
        FrameTracker t = new FrameTracker(100);
        for (int i = 0; i < 50; i++) {
            t.observe(Unpooled.wrappedBuffer(frame(true, TEXT, false, new byte[100])));
            assertThat(t.tooBigAt()).isEqualTo(FrameTracker.NOT_TOO_BIG);
        }
    }

    @Test
    void theHeaderTellsBeforeThePayloadArrives() {
        FrameTracker t = new FrameTracker(1 << 20);
        byte[] twoMiB = frame(true, BINARY, true, new byte[2 << 20]);
        ByteBuf headerOnly = Unpooled.wrappedBuffer(twoMiB, 0, 14);
        t.observe(headerOnly);
        assertThat(t.tooBigAt()).isZero();
        t.observe(Unpooled.wrappedBuffer(twoMiB, 14, 4096));
        assertThat(t.tooBigAt()).as("reported once").isEqualTo(FrameTracker.NOT_TOO_BIG);
    }

    @Test
    void aHeaderSplitAcrossReadsIsReportedAsStartingEarlier() {
        FrameTracker t = new FrameTracker(100);
        byte[] tooBig = frame(true, BINARY, true, new byte[200]);
        t.observe(Unpooled.wrappedBuffer(tooBig, 0, 1));
        assertThat(t.tooBigAt()).isEqualTo(FrameTracker.NOT_TOO_BIG);
        t.observe(Unpooled.wrappedBuffer(tooBig, 1, 10));
        assertThat(t.tooBigAt()).isEqualTo(FrameTracker.TOO_BIG_BEFORE_THIS_BUFFER);
    }

    @Test
    void withoutALimitNothingIsEverTooBig() {
        FrameTracker t = new FrameTracker();
        t.observe(Unpooled.wrappedBuffer(frame(true, BINARY, false, new byte[70_000])));
        assertThat(t.tooBigAt()).isEqualTo(FrameTracker.NOT_TOO_BIG);
    }
}

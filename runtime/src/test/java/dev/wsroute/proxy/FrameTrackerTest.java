package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;

/** The frame tracker follows boundaries, close codes and message counts of raw WebSocket bytes, however they are split. */
class FrameTrackerTest {
    private static final int CONTINUATION = 0x0;
    private static final int TEXT = 0x1;
    private static final int BINARY = 0x2;
    private static final int CLOSE = 0x8;
    private static final int PING = 0x9;
    private static final int PONG = 0xA;
    private static final byte[] MASK = {0x37, (byte) 0xfa, 0x21, 0x3d};

    /** Encodes one frame as RFC 6455 5.2 lays it out, with the shortest length form. */
    static byte[] frame(boolean fin, int opcode, boolean masked, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | opcode);
        int maskBit = masked ? 0x80 : 0;
        long len = payload.length;
        if (len < 126) {
            out.write(maskBit | (int) len);
        } else if (len <= 0xffff) {
            out.write(maskBit | 126);
            out.write((int) (len >> 8));
            out.write((int) len);
        } else {
            out.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (len >> shift));
            }
        }
        if (masked) {
            out.writeBytes(MASK);
            byte[] m = payload.clone();
            for (int i = 0; i < m.length; i++) {
                m[i] ^= MASK[i & 3];
            }
            out.writeBytes(m);
        } else {
            out.writeBytes(payload);
        }
        return out.toByteArray();
    }

    static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] closePayload(int code, String reason) {
        byte[] r = text(reason);
        byte[] p = new byte[2 + r.length];
        p[0] = (byte) (code >> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, r.length);
        return p;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Feeds the bytes one buffer of {@code chunk} bytes at a time; returns the boundaries seen, as stream offsets. */
    static java.util.List<Long> feed(FrameTracker t, byte[] bytes, int chunk) {
        java.util.List<Long> boundaries = new java.util.ArrayList<>();
        for (int off = 0; off < bytes.length; off += chunk) {
            int n = Math.min(chunk, bytes.length - off);
            ByteBuf buf = Unpooled.wrappedBuffer(bytes, off, n);
            int b = t.observe(buf);
            if (b >= 0) {
                boundaries.add((long) off + b - buf.readerIndex());
            }
            buf.release();
        }
        return boundaries;
    }

    // --- boundaries ---

    @Test
    void freshTrackerIsAtABoundaryAndHasSeenNothing() {
        FrameTracker t = new FrameTracker();

        assertThat(t.atBoundary()).isTrue();
        assertThat(t.closeSeen()).isFalse();
        assertThat(t.closeCode()).isEqualTo(-1);
        assertThat(t.messages()).isZero();
        assertThat(t.bytes()).isZero();
    }

    @Test
    void observeReturnsTheEndOfTheFirstFrameInTheBuffer() {
        byte[] first = frame(true, TEXT, true, text("hello"));
        byte[] second = frame(true, BINARY, true, new byte[300]);
        FrameTracker t = new FrameTracker();

        int boundary = t.observe(Unpooled.wrappedBuffer(concat(first, second)));

        assertThat(boundary).isEqualTo(first.length);
        assertThat(t.atBoundary()).isTrue();
        assertThat(t.messages()).isEqualTo(2);
        assertThat(t.bytes()).isEqualTo(first.length + second.length);
    }

    @Test
    void observeReturnsMinusOneWhenNoFrameEndsInTheBuffer() {
        byte[] f = frame(true, TEXT, false, text("0123456789"));
        FrameTracker t = new FrameTracker();

        assertThat(t.observe(Unpooled.wrappedBuffer(f, 0, 5))).isEqualTo(-1);
        assertThat(t.atBoundary()).isFalse();
        assertThat(t.messages()).isZero();
        assertThat(t.observe(Unpooled.wrappedBuffer(f, 5, f.length - 5))).isEqualTo(f.length - 5);
        assertThat(t.atBoundary()).isTrue();
        assertThat(t.messages()).isEqualTo(1);
    }

    @Test
    void boundaryIsAnIndexIntoTheBufferNotAnOffsetFromItsReaderIndex() {
        byte[] f = frame(true, TEXT, false, text("abc"));
        ByteBuf buf = Unpooled.wrappedBuffer(concat(new byte[7], f, f));
        buf.skipBytes(7); // as if the first bytes were already consumed

        int boundary = new FrameTracker().observe(buf);

        assertThat(boundary).isEqualTo(7 + f.length);
    }

    @Test
    void frameEndingWithTheBufferEndsThere() {
        byte[] f = frame(true, TEXT, false, text("abc"));
        FrameTracker t = new FrameTracker();

        assertThat(t.observe(Unpooled.wrappedBuffer(f))).isEqualTo(f.length);
        assertThat(t.atBoundary()).isTrue();
    }

    @Test
    void emptyFrameEndsRightAfterItsHeader() {
        byte[] empty = frame(true, TEXT, true, new byte[0]);
        FrameTracker t = new FrameTracker();

        assertThat(t.observe(Unpooled.wrappedBuffer(concat(empty, frame(true, TEXT, true, text("x")))))).isEqualTo(6);
        assertThat(t.messages()).isEqualTo(2);
    }

    @ParameterizedTest(name = "payload {0} bytes")
    @ValueSource(ints = {0, 1, 125, 126, 127, 300, 65_535, 65_536, 70_000})
    void headerSplitAcrossOneByteWritesIsFollowed(int payloadLength) {
        byte[] f = frame(true, BINARY, true, new byte[payloadLength]);
        byte[] next = frame(true, TEXT, true, text("next"));
        FrameTracker t = new FrameTracker();

        java.util.List<Long> boundaries = feed(t, concat(f, next), 1);

        assertThat(boundaries).containsExactly((long) f.length, (long) f.length + next.length);
        assertThat(t.messages()).isEqualTo(2);
        assertThat(t.atBoundary()).isTrue();
    }

    @Test
    void sixteenBitLengthIsRead() {
        byte[] f = frame(true, BINARY, false, new byte[1000]);
        assertThat(f[1] & 0x7f).as("uses the 16-bit form").isEqualTo(126);
        FrameTracker t = new FrameTracker();

        assertThat(feed(t, concat(f, f), 333)).containsExactly(1004L, 2008L);
    }

    @Test
    void sixtyFourBitLengthIsRead() {
        byte[] f = frame(true, BINARY, true, new byte[70_000]);
        assertThat(f[1] & 0x7f).as("uses the 64-bit form").isEqualTo(127);
        FrameTracker t = new FrameTracker();

        assertThat(feed(t, concat(f, f), 4096)).containsExactly((long) f.length, 2L * f.length);
        assertThat(t.messages()).isEqualTo(2);
    }

    @Test
    void hugeDeclaredLengthKeepsTheTrackerInsideThePayload() {
        byte[] header = {(byte) 0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0}; // 2^32 bytes announced
        FrameTracker t = new FrameTracker();

        assertThat(t.observe(Unpooled.wrappedBuffer(concat(header, new byte[10_000])))).isEqualTo(-1);
        assertThat(t.atBoundary()).isFalse();
        assertThat(t.messages()).isZero();
    }

    // --- close frames ---

    @ParameterizedTest(name = "code {0}")
    @ValueSource(ints = {1000, 1001, 1011, 4000, 4999})
    void closeCodeIsReadFromMaskedAndUnmaskedFrames(int code) {
        for (boolean masked : new boolean[] {true, false}) {
            FrameTracker t = new FrameTracker();
            t.observe(Unpooled.wrappedBuffer(frame(true, CLOSE, masked, closePayload(code, "bye"))));

            assertThat(t.closeSeen()).as("masked=%s", masked).isTrue();
            assertThat(t.closeCode()).as("masked=%s", masked).isEqualTo(code);
            assertThat(t.atBoundary()).isTrue();
        }
    }

    @Test
    void emptyCloseFrameMeansNoStatusCode1005() {
        for (boolean masked : new boolean[] {true, false}) {
            FrameTracker t = new FrameTracker();
            t.observe(Unpooled.wrappedBuffer(frame(true, CLOSE, masked, new byte[0])));

            assertThat(t.closeSeen()).isTrue();
            assertThat(t.closeCode()).isEqualTo(1005);
        }
    }

    @Test
    void closeCodeSplitAcrossBuffersIsReassembled() {
        for (boolean masked : new boolean[] {true, false}) {
            FrameTracker t = new FrameTracker();
            java.util.List<Long> boundaries = feed(t, frame(true, CLOSE, masked, closePayload(4000, "split")), 1);

            assertThat(boundaries).hasSize(1);
            assertThat(t.closeCode()).as("masked=%s", masked).isEqualTo(4000);
        }
    }

    @Test
    void closeAfterDataFramesIsFoundAndDataBytesAreNotTakenForACode() {
        byte[] data = frame(true, BINARY, true, new byte[] {0x0f, (byte) 0xa0, 1, 2}); // 4000 in its first bytes
        FrameTracker t = new FrameTracker();
        t.observe(Unpooled.wrappedBuffer(data));
        assertThat(t.closeSeen()).isFalse();
        assertThat(t.closeCode()).isEqualTo(-1);

        t.observe(Unpooled.wrappedBuffer(frame(true, CLOSE, true, closePayload(1001, ""))));

        assertThat(t.closeCode()).isEqualTo(1001);
    }

    // --- message counting ---

    @Test
    void fragmentedMessageCountsOnceAndControlFramesNotAtAll() {
        byte[] stream = concat(
                frame(false, TEXT, true, text("he")),
                frame(true, PING, true, text("p")), // control frames may sit between fragments
                frame(false, CONTINUATION, true, text("ll")),
                frame(true, PONG, true, new byte[0]),
                frame(true, CONTINUATION, true, text("o")),
                frame(true, BINARY, true, new byte[3]));
        FrameTracker t = new FrameTracker();

        t.observe(Unpooled.wrappedBuffer(stream));

        assertThat(t.messages()).isEqualTo(2);
        assertThat(t.bytes()).isEqualTo(stream.length);
    }

    @Test
    void pingAndPongAreNotMessages() {
        FrameTracker t = new FrameTracker();
        t.observe(Unpooled.wrappedBuffer(concat(frame(true, PING, false, new byte[0]), frame(true, PONG, false, text("x")))));

        assertThat(t.messages()).isZero();
        assertThat(t.closeSeen()).isFalse();
    }

    @Test
    void messageCountsTheSameHoweverTheBytesAreSplit() {
        byte[] stream = concat(frame(false, BINARY, true, new byte[200]), frame(true, CONTINUATION, true, new byte[70_000]),
                frame(true, TEXT, true, text("x")), frame(true, CLOSE, true, closePayload(1000, "")));
        for (int chunk : new int[] {1, 7, 125, 4096, stream.length}) {
            FrameTracker t = new FrameTracker();
            java.util.List<Long> boundaries = feed(t, stream, chunk);

            assertThat(t.messages()).as("chunk %d", chunk).isEqualTo(2);
            assertThat(t.closeCode()).as("chunk %d", chunk).isEqualTo(1000);
            assertThat(t.bytes()).isEqualTo(stream.length);
            assertThat(boundaries).as("chunk %d", chunk).isNotEmpty();
            assertThat(t.atBoundary()).as("chunk %d", chunk).isTrue();
        }
    }

    // --- the proxy's own close frames ---

    @ParameterizedTest(name = "masked={0}")
    @ValueSource(booleans = {true, false})
    void closeFramesAreReadBackWithTheirCode(boolean masked) {
        for (int code : new int[] {CloseFrames.GOING_AWAY, CloseFrames.INTERNAL_ERROR, 1000, 4000}) {
            ByteBuf buf = CloseFrames.frame(UnpooledByteBufAllocator.DEFAULT, code, "draining", masked);
            int length = buf.readableBytes();
            FrameTracker t = new FrameTracker();

            assertThat(t.observe(buf)).as("the frame is whole").isEqualTo(length);
            assertThat(t.closeCode()).isEqualTo(code);
            assertThat(buf.getByte(0) & 0xff).as("FIN + Close").isEqualTo(0x88);
            assertThat((buf.getByte(1) & 0x80) != 0).as("mask bit").isEqualTo(masked);
            assertThat(length).isEqualTo(2 + (masked ? 4 : 0) + 2 + "draining".length());
            buf.release();
        }
    }

    @Test
    void unmaskedCloseFrameCarriesTheReasonInClear() {
        ByteBuf buf = CloseFrames.frame(UnpooledByteBufAllocator.DEFAULT, 1001, "going away", false);

        byte[] bytes = ByteBufUtil.getBytes(buf);
        assertThat(new String(bytes, 4, bytes.length - 4, StandardCharsets.UTF_8)).isEqualTo("going away");
        buf.release();
    }

    @Test
    void longReasonIsCutToFitAControlFrame() {
        ByteBuf buf = CloseFrames.frame(UnpooledByteBufAllocator.DEFAULT, 1001, "x".repeat(300), true);

        assertThat(buf.getByte(1) & 0x7f).as("control frame payloads are at most 125 bytes").isEqualTo(125);
        assertThat(new FrameTracker().observe(buf)).isEqualTo(2 + 4 + 125);
        buf.release();
    }

    @Test
    void longNonAsciiReasonIsCutOnACharacterBoundary() throws CharacterCodingException {
        ByteBuf buf = CloseFrames.frame(UnpooledByteBufAllocator.DEFAULT, 1001, "é".repeat(100), false);

        byte[] bytes = ByteBufUtil.getBytes(buf);
        int len = bytes[1] & 0x7f;
        assertThat(len).isLessThanOrEqualTo(125);
        assertThat(bytes).hasSize(2 + len);
        // RFC 6455 7.1.6: the reason is UTF-8; a peer that gets invalid UTF-8 fails the connection (1007)
        String reason = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes, 4, len - 2)).toString();
        assertThat(reason).isEqualTo("é".repeat(61));
        buf.release();
    }
}

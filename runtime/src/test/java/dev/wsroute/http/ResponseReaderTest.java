package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * The response reader against every way the bytes of an answer can be cut into reads: whatever the split, the
 * client gets the same bytes, the answer ends once, at the same place, and no buffer is leaked.
 */
class ResponseReaderTest {
    /** What a sink saw: the bytes the client would get, and how the answer ended. */
    static final class Collected implements ResponseReader.Sink {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int ends;
        boolean reusable;

        @Override
        public void informational(ResponseHead head, ByteBuf in) {
            take(head.forClient(in, ByteBufAllocator.DEFAULT, null));
        }

        @Override
        public ByteBuf head(ResponseHead head, ByteBuf in, boolean decoded) {
            return head.rewriteFor(in, ByteBufAllocator.DEFAULT, decoded ? "close" : null, decoded);
        }

        @Override
        public void relay(ByteBuf bytes) {
            take(bytes);
        }

        @Override
        public void end(boolean reusable) {
            ends++;
            this.reusable = reusable;
        }

        private void take(ByteBuf b) {
            byte[] a = new byte[b.readableBytes()];
            b.readBytes(a);
            b.release();
            out.writeBytes(a);
        }

        String text() {
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** {@code toHttp10}: the client cannot take chunked coding, so a chunked body goes to it decoded. */
    record Sample(String answer, boolean head, String relayed, boolean reusable, boolean toHttp10) {
        Sample(String answer, boolean head, String relayed, boolean reusable) {
            this(answer, head, relayed, reusable, false);
        }
    }

    /** A status line and a field of 2.5 KiB. */
    static final String BIG = "HTTP/1.1 200 OK\r\nX-Big: " + "b".repeat(2500) + "\r\n";
    static final String CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n";
    static final String CHUNKED_HELLO = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n";
    static final List<Sample> SAMPLES = List.of(
            new Sample("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", true),
            new Sample(CHUNKED, false, CHUNKED, true),
            new Sample("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: <a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", false,
                    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: <a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", true),
            new Sample("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", true, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", true),
            new Sample("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", false, "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", true),
            new Sample("HTTP/1.0 200 OK\nConnection: keep-alive, X-Hop\nX-Hop: 1\nX-Keep: 2\nContent-Length: 2\n\nok", false,
                    "HTTP/1.1 200 OK\r\nX-Keep: 2\r\nContent-Length: 2\r\n\r\nok", true),
            new Sample("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false),
            new Sample("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nuntil the close", false, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nuntil the close", false),
            new Sample("HTTP/1.1 200 OK\r\n\r\nuntil the close", false, "HTTP/1.1 200 OK\r\n\r\nuntil the close", false),
            new Sample(CHUNKED, false, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello0123456789", true, true),
            new Sample("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n", false,
                    "HTTP/1.1 200 OK\r\nX-A: 1\r\nConnection: close\r\n\r\nabc", true, true),
            new Sample("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", true, true),
            new Sample("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true, true),
            // heads larger than the parser's first copy (1 KiB): the framing and hop-by-hop fields past it still count
            new Sample(BIG + "Content-Length: 2\r\n\r\nok", false, BIG + "Content-Length: 2\r\n\r\nok", true),
            new Sample(BIG + "Connection: X-Hop\r\nX-Hop: 1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", false,
                    BIG + "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", true),
            // fields that must not be trailers are dropped, whichever read they come in, and the answer ends as usual
            new Sample(CHUNKED_HELLO + "0\r\nSet-Cookie: a=1\r\nX-T: 1\r\ncontent-length: 9\r\nX-U: 2\r\nHost: x\r\n\r\n", false,
                    CHUNKED_HELLO + "0\r\nX-T: 1\r\nX-U: 2\r\n\r\n", true),
            new Sample(CHUNKED_HELLO + "0\r\nTransfer-Encoding: chunked\r\n\r\n", false, CHUNKED_HELLO + "0\r\n\r\n", true),
            new Sample(CHUNKED_HELLO + "0\r\nSet-Cookie: a=1\r\nX-T: 1\r\n\r\n", false, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello", true, true));

    static Collected feed(Sample s, List<byte[]> pieces) throws BadResponse {
        ResponseReader reader = new ResponseReader();
        reader.expect(s.head(), !s.toHttp10());
        Collected c = new Collected();
        for (byte[] p : pieces) {
            if (c.ends > 0) {
                break; // the exchange is over: bytes after it are the parked connection's guard's (it retires the connection)
            }
            ByteBuf in = Unpooled.directBuffer(p.length).writeBytes(p);
            try {
                reader.read(in, c);
            } finally {
                assertThat(in.release()).as("the reader keeps no reference to a read").isTrue();
            }
        }
        if (c.ends == 0) {
            reader.closed(c);
        }
        return c;
    }

    /**
     * One reader, one answer after another (as a kept-alive upstream connection reads them), forwards and backwards:
     * each answer is read as on a fresh reader, nothing of the head before (framing, hop-by-hop fields, version) carries over.
     */
    @Test
    void answersReadOneAfterAnotherOnOneReaderAreEachTheirOwn() throws BadResponse {
        List<Sample> kept = SAMPLES.stream().filter(Sample::reusable).toList();
        List<Sample> backwards = new java.util.ArrayList<>(kept);
        java.util.Collections.reverse(backwards);
        List<Sample> order = new java.util.ArrayList<>(kept);
        order.addAll(backwards);
        ResponseReader reader = new ResponseReader();
        for (Sample s : order) {
            reader.expect(s.head(), !s.toHttp10());
            Collected c = new Collected();
            ByteBuf in = Unpooled.directBuffer().writeBytes(s.answer().getBytes(StandardCharsets.ISO_8859_1));
            try {
                reader.read(in, c);
            } finally {
                in.release();
            }
            assertThat(c.text()).as(s.answer()).isEqualTo(s.relayed());
            assertThat(c.ends).as(s.answer()).isEqualTo(1);
        }
    }

    @Test
    void everySplitIntoTwoReadsRelaysTheSameBytes() throws BadResponse {
        for (Sample s : SAMPLES) {
            byte[] all = s.answer().getBytes(StandardCharsets.ISO_8859_1);
            for (int cut = 0; cut <= all.length; cut++) {
                Collected c = feed(s, List.of(java.util.Arrays.copyOf(all, cut), java.util.Arrays.copyOfRange(all, cut, all.length)));
                assertThat(c.text()).as("%s cut at %d", s.answer(), cut).isEqualTo(s.relayed());
                assertThat(c.ends).isEqualTo(1);
                assertThat(c.reusable).as("%s cut at %d", s.answer(), cut).isEqualTo(s.reusable());
            }
        }
    }

    @Test
    void oneByteAtATimeRelaysTheSameBytes() throws BadResponse {
        for (Sample s : SAMPLES) {
            byte[] all = s.answer().getBytes(StandardCharsets.ISO_8859_1);
            List<byte[]> bytes = new java.util.ArrayList<>();
            for (byte b : all) {
                bytes.add(new byte[] {b});
            }
            Collected c = feed(s, bytes);
            assertThat(c.text()).isEqualTo(s.relayed());
            assertThat(c.ends).isEqualTo(1);
        }
    }

    @Test
    void bytesAfterTheAnswerInItsLastReadAreDroppedAndTheConnectionIsNotReused() throws BadResponse {
        Collected c = feed(new Sample("", false, "", false), List.of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1)));
        assertThat(c.text()).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(c.ends).isEqualTo(1);
        assertThat(c.reusable).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"5\r\nhello\r\n", "5\r\nhel", "5\r\n", "5", ""})
    void anAnswerCutShortByACloseIsRefused(String body) throws BadResponse {
        ResponseReader reader = new ResponseReader();
        reader.expect(false, true);
        Collected c = new Collected();
        ByteBuf in = Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body, StandardCharsets.ISO_8859_1);
        reader.read(in, c);
        in.release();
        assertThatThrownBy(() -> reader.closed(c)).isInstanceOf(BadResponse.class);
        assertThat(c.ends).isZero();
    }

    @Test
    void aBadChunkInTheReadOfTheHeadStopsBeforeTheHeadIsHandedOn() {
        ResponseReader reader = new ResponseReader();
        reader.expect(false, true);
        Collected c = new Collected();
        ByteBuf in = Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n", StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> reader.read(in, c)).isInstanceOf(BadResponse.class).hasMessageContaining("not hex");
        in.release();
        assertThat(c.out.size()).as("nothing for the client: it can still get a 502").isZero();
    }

    @Test
    void aHeadGatheredOverReadsIsReleasedWhenTheExchangeEnds() throws BadResponse {
        ResponseReader reader = new ResponseReader();
        reader.expect(false, true);
        ByteBuf in = Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Le", StandardCharsets.ISO_8859_1);
        reader.read(in, new Collected());
        in.release();
        reader.reset(); // the partial head's buffer is released (the leak detector in paranoid runs would say otherwise)
        assertThat(reader.beforeHead()).isFalse();
    }

    @Test
    void aBadChunkWhileDecodingRelaysNothingOfItsRead() {
        ResponseReader reader = new ResponseReader();
        reader.expect(false, false);
        Collected c = new Collected();
        ByteBuf in = Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nabc\r\nzz\r\n",
                StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> reader.read(in, c)).isInstanceOf(BadResponse.class).hasMessageContaining("not hex");
        assertThat(in.release()).as("the data gathered from the read was released with it").isTrue();
        assertThat(c.out.size()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip, chunked", "gzip\r\nTransfer-Encoding: chunked", "gzip"}) // gzip alone: the close ends the body
    void aBodyUnderAnotherCodingIsRefusedForAClientThatCannotTakeCodings(String codings) throws BadResponse {
        String answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: " + codings + "\r\n\r\n0\r\n\r\n";
        ResponseReader reader = new ResponseReader();
        reader.expect(false, false);
        ByteBuf in = Unpooled.copiedBuffer(answer, StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> reader.read(in, new Collected())).isInstanceOf(BadResponse.class).hasMessageContaining("transfer coding");
        in.release();
        reader.expect(false, true); // an HTTP/1.1 client takes it as it came
        Collected c = new Collected();
        ByteBuf again = Unpooled.copiedBuffer(answer, StandardCharsets.ISO_8859_1);
        reader.read(again, c);
        again.release();
        assertThat(c.text()).isEqualTo(answer);
    }
}

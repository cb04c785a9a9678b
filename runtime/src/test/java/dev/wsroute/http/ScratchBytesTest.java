package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.netty.buffer.Unpooled;

/** The thread's one scratch array: its three users, in an exchange's order on one thread, never see each other's bytes. */
class ScratchBytesTest {
    private static String padded(String name, int bytes) {
        return name + ": " + "v".repeat(bytes) + "\r\n";
    }

    @Test
    void aRequestParsedThenWrittenThenItsAnswerParsedKeepEachOthersResults() throws Exception {
        String request = "GET /chat HTTP/1.1\r\nHost: h\r\n" + padded("X-Big", 3000) + "X-Last: r\r\n\r\n";
        RequestHead head = HeadFieldsTest.parse(request);
        HeadFields fields = HeadFields.of(head);
        String upstreamHead = HeadFieldsTest.written(fields, "GET", "/chat");

        String answer = "HTTP/1.1 200 OK\r\n" + padded("X-Pad", 5000) + "Content-Length: 2\r\n\r\nok";
        ResponseHead response = ResponseHeadParser.parse(Unpooled.wrappedBuffer(answer.getBytes(StandardCharsets.ISO_8859_1)));
        RequestHead next = HeadFieldsTest.parse("GET /next HTTP/1.1\r\nHost: other\r\nX-Last: n\r\n\r\n");

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.contentLength()).isEqualTo(2);
        assertThat(response.length()).isEqualTo(answer.length() - 2);
        assertThat(head.get("x-last")).as("the first request, after the others used the array").isEqualTo("r");
        assertThat(head.get("x-big")).hasSize(3000);
        assertThat(next.get("x-last")).isEqualTo("n");
        assertThat(upstreamHead).isEqualTo(request);
        assertThat(HeadFieldsTest.written(fields, "GET", "/chat")).as("written again after the answer's parse").isEqualTo(request);
    }

    @Test
    void growsOnlyWhenAskedForMoreThanItHas() {
        byte[] first = ScratchBytes.atLeast(1);
        assertThat(ScratchBytes.atLeast(first.length)).isSameAs(first);

        byte[] grown = ScratchBytes.atLeast(first.length + 1);
        assertThat(grown.length).isGreaterThanOrEqualTo(2 * first.length);
        assertThat(ScratchBytes.atLeast(1)).as("kept for the next user").isSameAs(grown);
    }
}

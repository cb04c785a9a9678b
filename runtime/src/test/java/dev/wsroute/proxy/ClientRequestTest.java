package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

/** The data plane's side of host matching: a port in the Host header is ignored, and the host is lower-cased. */
class ClientRequestTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "chat.example.com:8080, chat.example.com",
            "chat.example.com, chat.example.com",
            "chat.example.com:, chat.example.com",
            "10.0.0.1:443, 10.0.0.1",
            "[::1]:8443, ::1",
            "[::1], ::1",
            "[fd00::2], fd00::2",
    })
    void stripPortRemovesOnlyThePort(String hostHeader, String host) {
        assertThat(ClientRequest.stripPort(hostHeader)).isEqualTo(host);
    }

    private static HttpRequest get(String uri, String host) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        if (host != null) {
            r.headers().set("Host", host);
        }
        return r;
    }

    @Test
    void hostIsLowerCasedWithoutPortAndRawHostKeepsIt() {
        ClientRequest req = new ClientRequest(TestHeads.parse(get("/ws?room=lobby", "Chat.Example.COM:8443")));

        assertThat(req.host()).isEqualTo("chat.example.com");
        assertThat(req.rawHost()).isEqualTo("Chat.Example.COM:8443");
        assertThat(req.path()).isEqualTo("/ws");
        assertThat(req.queryParam("room")).isEqualTo("lobby");
        assertThat(req.pathAndQuery()).isEqualTo("/ws?room=lobby");
    }

    @Test
    void missingHostIsEmpty() {
        HttpRequest http10 = get("/", null);
        http10.setProtocolVersion(HttpVersion.HTTP_1_0); // HTTP/1.1 needs a Host
        assertThat(new ClientRequest(TestHeads.parse(http10)).host()).isEmpty();
    }

    @Test
    void offeredSubprotocolsAreSplitAndTrimmedAcrossHeaders() {
        HttpRequest r = get("/", "h");
        r.headers().add("Sec-WebSocket-Protocol", "mqtt, v2.chat");
        r.headers().add("Sec-WebSocket-Protocol", "graphql-ws , ,stomp");

        assertThat(new ClientRequest(TestHeads.parse(r)).subprotocols()).containsExactly("mqtt", "v2.chat", "graphql-ws", "stomp");
    }

    @Test
    void headerLookupIsCaseInsensitive() {
        HttpRequest r = get("/", "h");
        r.headers().set("X-Tenant", "gold");

        assertThat(new ClientRequest(TestHeads.parse(r)).header("x-tenant")).isEqualTo("gold");
    }
}

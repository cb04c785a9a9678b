package dev.wsroute.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.wsroute.http.HeadFields;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

class ForwardedHeadersTest {

    @Test
    void anUpgradeLosesItsHopByHopFieldsAndKeepsTheRestInOrder() {
        HeadFields h = fields("Host", "chat.test", "Connection", "Upgrade", "Upgrade", "websocket", "Keep-Alive", "timeout=5",
                "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==", "TE", "trailers", "X-App", "1");
        ForwardedHeaders.removeHopByHop(h);
        assertEquals(List.of("Host", "Sec-WebSocket-Key", "X-App"), names(h));
    }

    @Test
    void fieldsThatConnectionNamesGoToo_inAnyCaseWithSpacesTabsAndEmptyElements() {
        HeadFields h = fields("Host", "up.test", "Connection", ",upgrade ,\tX-Secret\t, ,x-other", "x-secret", "1", "X-OTHER", "2",
                "X-Kept", "3", "Connection", "X-Second-Line", "X-Second-Line", "4");
        ForwardedHeaders.removeHopByHop(h);
        assertEquals(List.of("Host", "X-Kept"), names(h));
    }

    @Test
    void framingFieldsAndHostStayEvenWhenConnectionNamesThem() {
        HeadFields h = fields("Host", "up.test", "Connection", "close, Content-Length, Transfer-Encoding, Host", "Content-Length", "2");
        ForwardedHeaders.removeHopByHop(h);
        assertEquals(List.of("Host", "Content-Length"), names(h));
    }

    private static HeadFields fields(String... nameValues) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ws");
        for (int i = 0; i < nameValues.length; i += 2) {
            r.headers().add(nameValues[i], nameValues[i + 1]);
        }
        return HeadFields.of(TestHeads.parse(r));
    }

    private static List<String> names(HeadFields h) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < h.size(); i++) {
            out.add(h.name(i));
        }
        return out;
    }
}

package dev.wsroute.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.wsroute.http.HeadFields;
import dev.wsroute.model.RouteId;
import dev.wsroute.table.PoolId;
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

    @Test
    void theDefaultBackendGetsOurForwardingFieldsAloneNotTheClients() {
        HeadFields h = fields("Host", "app.test", "X-Forwarded-For", "203.0.113.9", "Forwarded", "for=203.0.113.9",
                "X-Forwarded-Ssl", "on", "X-Forwarded-Port", "4443", "X-Forwarded-Prefix", "/admin", "X-Forwarded-Server", "x",
                "X-Forwarded-Host", "evil.test", "X-Forwarded-Proto", "https", "X-App", "1");
        ForwardedHeaders.forward(h, CLIENT, "app.test", ForwardedHeaders.Upstream.DEFAULT_BACKEND);
        assertEquals(List.of("Host: app.test", "X-App: 1", "X-Forwarded-For: 10.1.1.1", "X-Forwarded-Proto: http",
                "X-Forwarded-Host: app.test", "Forwarded: for=10.1.1.1;host=app.test;proto=http"), lines(h));
    }

    @Test
    void theDefaultBackendGetsNoForgedForwardedHostEvenWithoutAHost() {
        HttpRequest http10 = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/");
        http10.headers().add("X-Forwarded-Host", "evil.test");
        HeadFields h = HeadFields.of(TestHeads.parse(http10));
        ForwardedHeaders.add(h, CLIENT, null, ForwardedHeaders.Upstream.DEFAULT_BACKEND);
        assertEquals(List.of("X-Forwarded-For: 10.1.1.1", "X-Forwarded-Proto: http", "Forwarded: for=10.1.1.1;proto=http"), lines(h));
    }

    @Test
    void aRoutesBackendGetsTheClientsChainInFrontOfOursAndItsOtherFieldsAsSent() {
        HeadFields h = fields("Host", "up.test", "X-Forwarded-For", "203.0.113.9", "Forwarded", "for=203.0.113.9",
                "X-Forwarded-Port", "4443");
        ForwardedHeaders.forward(h, CLIENT, "up.test", ForwardedHeaders.Upstream.ROUTE);
        assertEquals(List.of("Host: up.test", "X-Forwarded-Port: 4443", "X-Forwarded-For: 203.0.113.9, 10.1.1.1",
                "X-Forwarded-Proto: http", "X-Forwarded-Host: up.test",
                "Forwarded: for=203.0.113.9, for=10.1.1.1;host=up.test;proto=http"), lines(h));
    }

    /** Two lines of a field are one list (RFC 9110 §5.3): a load balancer that adds its own line keeps its entry. */
    @Test
    void everyLineOfTheClientsChainIsKeptInOrder() {
        HeadFields h = fields("Host", "up.test", "X-Forwarded-For", "203.0.113.9", "X-Forwarded-For", "198.51.100.7",
                "Forwarded", "for=203.0.113.9", "Forwarded", "for=198.51.100.7");
        ForwardedHeaders.forward(h, CLIENT, "up.test", ForwardedHeaders.Upstream.ROUTE);
        assertEquals(List.of("Host: up.test", "X-Forwarded-For: 203.0.113.9, 198.51.100.7, 10.1.1.1",
                "X-Forwarded-Proto: http", "X-Forwarded-Host: up.test",
                "Forwarded: for=203.0.113.9, for=198.51.100.7, for=10.1.1.1;host=up.test;proto=http"), lines(h));
    }

    @Test
    void theDefaultBackendGetsTheChainOnlyWhenItTrustsForwarding() {
        assertEquals(ForwardedHeaders.Upstream.DEFAULT_BACKEND, ForwardedHeaders.Upstream.of(PoolId.DefaultBackend.INSTANCE, false));
        assertEquals(ForwardedHeaders.Upstream.ROUTE, ForwardedHeaders.Upstream.of(PoolId.DefaultBackend.INSTANCE, true));
        assertEquals(ForwardedHeaders.Upstream.ROUTE, ForwardedHeaders.Upstream.of(new PoolId.Http(new RouteId("ns", "r")), false));
    }

    private static final ForwardedHeaders.Peer CLIENT = new ForwardedHeaders.Peer(new InetSocketAddress("10.1.1.1", 40000), false);

    private static List<String> lines(HeadFields h) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < h.size(); i++) {
            out.add(h.name(i) + ": " + h.value(i));
        }
        return out;
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

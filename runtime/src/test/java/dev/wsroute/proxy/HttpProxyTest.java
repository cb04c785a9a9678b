package dev.wsroute.proxy;

import static dev.wsroute.testing.RawHttp.header;
import static dev.wsroute.testing.RawHttp.status;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.wsroute.table.Endpoint;
import dev.wsroute.table.Pool;
import dev.wsroute.tls.TlsResolver;
import dev.wsroute.testing.EchoBackend;
import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.RawUpstream;
import dev.wsroute.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** Plain HTTP on the same listener: keep-alive both ways, streamed bodies, the default backend, and the error answers. */
class HttpProxyTest {
    static Vertx vertx;
    static EchoBackend web;
    static EchoBackend app;
    ProxyHarness px;

    @BeforeAll
    static void backends() {
        vertx = Vertx.vertx();
        web = new EchoBackend(vertx, "web");
        app = new EchoBackend(vertx, "app");
    }

    @AfterAll
    static void stop() {
        web.close();
        app.close();
        vertx.close();
    }

    @BeforeEach
    void proxy() throws Exception {
        Pool appPool = Pool.defaultBackend(List.of(Endpoint.of("127.0.0.1", app.port(), 1)));
        px = new ProxyHarness(TestConfig.wsroute(), () -> appPool);
        px.routes(routes(web.endpoint()));
    }

    @AfterEach
    void stopProxy() {
        px.close();
    }

    static String routes(String webEndpoint) {
        return """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: site, namespace: shop}
                spec:
                  hosts: [shop.example.com]
                  tls: {secretName: shop-tls, redirect: true}
                  rules: []
                  http:
                    backends: [{endpoints: ["%1$s"]}]
                ---
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: web, namespace: default}
                spec:
                  hosts: [web.example.com]
                  http:
                    backends: [{endpoints: ["%1$s"]}]
                """.formatted(webEndpoint);
    }

    @Test
    void keepAliveRequestsReachTheRouteBackendWithForwardingHeaders() throws Exception {
        try (RawHttp raw = new RawHttp(px.port())) {
            for (int i = 0; i < 3; i++) {
                String r = raw.send("GET /page?i=" + i + " HTTP/1.1\r\nHost: web.example.com\r\n\r\n").readResponse();
                assertThat(status(r)).isEqualTo(200);
                assertThat(header(r, "x-backend")).isEqualTo("web");
                JsonObject seen = new JsonObject(r.substring(r.indexOf("\r\n\r\n") + 4));
                assertThat(seen.getString("uri")).isEqualTo("/page?i=" + i);
                assertThat(seen.getJsonObject("headers").getString("x-forwarded-host")).isEqualTo("web.example.com");
                assertThat(seen.getJsonObject("headers").getString("x-forwarded-for")).isEqualTo("127.0.0.1");
                assertThat(seen.getJsonObject("headers").getString("forwarded")).isEqualTo("for=127.0.0.1;host=web.example.com;proto=http");
            }
        }
    }

    /**
     * The default backend (the embedding app, a sidecar's app container) gets a client's forged X-Forwarded-For only
     * with wsroute.default-backend.trust-forwarded (an L7 proxy in front sets it), and then as a chain, as a route's
     * backend does.
     */
    @Test
    void theAppGetsTheClientsForwardingChainOnlyWhereItIsTrusted() throws Exception {
        String forged = "GET /mine HTTP/1.1\r\nHost: app.example.com\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Port: 4443\r\n\r\n";
        try (RawHttp raw = new RawHttp(px.port())) {
            JsonObject headers = new JsonObject(body(raw.send(forged).readResponse())).getJsonObject("headers");
            assertThat(headers.getString("x-forwarded-for")).isEqualTo("127.0.0.1");
            assertThat(headers.getString("x-forwarded-port")).isNull();
        }
        px.close();
        Pool appPool = Pool.defaultBackend(List.of(Endpoint.of("127.0.0.1", app.port(), 1)));
        px = new ProxyHarness(TestConfig.wsroute("wsroute.default-backend.trust-forwarded", "true"), () -> appPool);
        px.routes(routes(web.endpoint()));
        try (RawHttp raw = new RawHttp(px.port())) {
            JsonObject headers = new JsonObject(body(raw.send(forged).readResponse())).getJsonObject("headers");
            assertThat(headers.getString("x-forwarded-for")).isEqualTo("203.0.113.9, 127.0.0.1");
            assertThat(headers.getString("x-forwarded-port")).isEqualTo("4443");
        }
    }

    private static String body(String response) {
        assertThat(status(response)).isEqualTo(200);
        assertThat(header(response, "x-backend")).isEqualTo("app");
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    /** The forwarding fields are made once per connection and Host: a keep-alive client that changes its Host gets each one forwarded. */
    @Test
    void eachHostOnOneKeepAliveConnectionIsForwardedAsSent() throws Exception {
        try (RawHttp raw = new RawHttp(px.port())) {
            for (String host : List.of("web.example.com", "web.example.com:8080", "WEB.example.com", "web.example.com")) {
                String r = raw.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n").readResponse();
                assertThat(status(r)).isEqualTo(200);
                JsonObject headers = new JsonObject(r.substring(r.indexOf("\r\n\r\n") + 4)).getJsonObject("headers");
                assertThat(headers.getString("x-forwarded-host")).isEqualTo(host);
                String quoted = host.contains(":") ? "\"" + host + "\"" : host;
                assertThat(headers.getString("forwarded")).isEqualTo("for=127.0.0.1;host=" + quoted + ";proto=http");
                assertThat(headers.getString("x-forwarded-for")).isEqualTo("127.0.0.1");
            }
        }
    }

    /**
     * The answer's deadline belongs to the upstream connection, which lives across exchanges: a kept-alive upstream
     * that answers one request and then stays silent gets the second one a 504, in the response timeout.
     */
    @Test
    void aPooledUpstreamThatStopsAnsweringGets504() throws Exception {
        px.close();
        // 3 s, not 500 ms: the first answer must come within it, from a thread that a loaded machine may not run for a while
        px = new ProxyHarness(TestConfig.wsroute("wsroute.upstream.response-timeout", "3s"));
        try (java.net.ServerSocket upstream = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            java.util.concurrent.CountDownLatch heads = new java.util.concurrent.CountDownLatch(2);
            Thread onceOnly = new Thread(() -> {
                try (java.net.Socket s = upstream.accept()) {
                    java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                            java.nio.charset.StandardCharsets.ISO_8859_1));
                    for (String line; (line = in.readLine()) != null;) {
                        if (line.isEmpty()) {
                            heads.countDown();
                        }
                        if (line.isEmpty() && heads.getCount() == 1) {
                            s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        }
                    }
                } catch (java.io.IOException e) {
                    // the proxy closed it after its 504
                }
            });
            onceOnly.start();
            px.routes(routes("127.0.0.1:" + upstream.getLocalPort()));
            try (RawHttp raw = new RawHttp(px.port())) {
                assertThat(status(raw.send("GET /1 HTTP/1.1\r\nHost: web.example.com\r\n\r\n").readResponse())).isEqualTo(200);
                String late = raw.send("GET /2 HTTP/1.1\r\nHost: web.example.com\r\n\r\n").readResponse();
                assertThat(status(late)).isEqualTo(504);
                assertThat(heads.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("the second request went on the kept-alive connection")
                        .isTrue();
            }
            onceOnly.join(30_000);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawHttp raw = new RawHttp(px.port())) {
            raw.send("GET /one HTTP/1.1\r\nHost: web.example.com\r\n\r\nGET /two HTTP/1.1\r\nHost: web.example.com\r\n\r\n");
            assertThat(raw.readResponse()).contains("\"/one\"");
            assertThat(raw.readResponse()).contains("\"/two\"");
        }
    }

    /**
     * A request without a body ends with its head (the decoder hands on no separate end for it): bodiless requests,
     * one the proxy answers itself and one with a body, pipelined in one write, are answered in order and the
     * connection carries the next request.
     */
    @Test
    void pipelinedRequestsWithAndWithoutBodiesAreAnsweredInOrder() throws Exception {
        try (RawHttp raw = new RawHttp(px.port())) {
            raw.send("GET /one HTTP/1.1\r\nHost: web.example.com\r\n\r\n"
                    + "GET /cart HTTP/1.1\r\nHost: shop.example.com\r\n\r\n"
                    + "POST /three HTTP/1.1\r\nHost: web.example.com\r\nContent-Length: 3\r\n\r\nabc"
                    + "HEAD /four HTTP/1.1\r\nHost: web.example.com\r\n\r\n"
                    + "GET /five HTTP/1.1\r\nHost: web.example.com\r\n\r\n");
            assertThat(raw.readResponse()).contains("\"/one\"");
            String redirect = raw.readResponse();
            assertThat(status(redirect)).isEqualTo(308);
            assertThat(header(redirect, "location")).startsWith("https://shop.example.com");
            assertThat(raw.readResponse()).as("the body, echoed").endsWith("\r\n\r\nabc");
            String head = raw.readHead();
            assertThat(status(head)).isEqualTo(200);
            assertThat(raw.readResponse()).contains("\"/five\"");
            assertThat(raw.send("GET /six HTTP/1.1\r\nHost: web.example.com\r\n\r\n").readResponse()).contains("\"/six\"");
        }
    }

    /**
     * A queued request the proxy answers itself and then closes (a refused head; a local answer to a request with a
     * body) is answered once the upstream's answer before it has ended, from that upstream's event: the client still
     * gets both answers in order, then the close.
     */
    @Test
    void aQueuedRequestThatEndsTheConnectionIsAnsweredAfterTheProxiedOneBeforeIt() throws Exception {
        try (RawHttp raw = new RawHttp(px.port())) {
            raw.send("GET /one HTTP/1.1\r\nHost: web.example.com\r\n\r\nGET /two HTTP/1.1\r\nHost: a b\r\n\r\n");
            assertThat(raw.readResponse()).contains("\"/one\"");
            String refused = raw.readResponse();
            assertThat(status(refused)).isEqualTo(400);
            assertThat(header(refused, "connection")).isEqualTo("close");
            assertThat(raw.closedByServer()).isTrue();
        }
        try (RawHttp raw = new RawHttp(px.port())) {
            raw.send("GET /one HTTP/1.1\r\nHost: web.example.com\r\n\r\n"
                    + "POST /cart HTTP/1.1\r\nHost: shop.example.com\r\nContent-Length: 3\r\n\r\nabc");
            assertThat(raw.readResponse()).contains("\"/one\"");
            String redirect = raw.readResponse();
            assertThat(status(redirect)).isEqualTo(308);
            assertThat(header(redirect, "connection")).isEqualTo("close");
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void largeBodiesStreamBothWays() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        byte[] body = new byte[3 * 1024 * 1024];
        new java.util.Random(7).nextBytes(body);
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + px.port() + "/upload"))
                .header("X-Ignored", "1").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        // no route claims 127.0.0.1: the default backend (the app) echoes it
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-backend")).contains("app");
        assertThat(r.body()).isEqualTo(body);
    }

    @Test
    void unclaimedRequestsGoToTheDefaultBackendOr404() throws Exception {
        try (RawHttp raw = new RawHttp(px.port())) {
            String r = raw.send("GET /q/hello HTTP/1.1\r\nHost: unknown.example\r\n\r\n").readResponse();
            assertThat(header(r, "x-backend")).isEqualTo("app");
        }
        px.close();
        px = new ProxyHarness(TestConfig.wsroute());
        px.routes(routes(web.endpoint()));
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send("GET / HTTP/1.1\r\nHost: unknown.example\r\n\r\n").readResponse())).isEqualTo(404);
            assertThat(status(raw.send("GET / HTTP/1.1\r\nHost: web.example.com\r\n\r\n").readResponse())).isEqualTo(200);
        }
    }

    @Test
    void http10WithoutKeepAliveIsClosedAfterTheResponse() throws Exception {
        try (RawHttp raw = new RawHttp(px.port())) {
            String r = raw.send("GET / HTTP/1.0\r\nHost: web.example.com\r\n\r\n").readResponse();
            assertThat(status(r)).isEqualTo(200);
            assertThat(raw.closedByServer()).isTrue();
        }
    }

    @Test
    void unreachableOrEmptyPoolsAre502And503() throws Exception {
        px.routes(routes(RawUpstream.refusedEndpoint()));
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send("GET / HTTP/1.1\r\nHost: web.example.com\r\n\r\n").readResponse())).isEqualTo(502);
        }
        px.routes(routes(web.endpoint()), TlsResolver.NONE, (route, backend) -> List.of());
        try (RawHttp raw = new RawHttp(px.port())) {
            assertThat(status(raw.send("GET / HTTP/1.1\r\nHost: web.example.com\r\n\r\n").readResponse())).isEqualTo(503);
        }
    }

    @Test
    void plainHttpToARedirectingTlsHostGets308() throws Exception {
        try (RawHttp raw = new RawHttp(px.port())) {
            String r = raw.send("GET /cart?x=1 HTTP/1.1\r\nHost: shop.example.com\r\n\r\n").readResponse();
            assertThat(status(r)).isEqualTo(308);
            assertThat(header(r, "location")).startsWith("https://shop.example.com").endsWith("/cart?x=1");
        }
    }
}

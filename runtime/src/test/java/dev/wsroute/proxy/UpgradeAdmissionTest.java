package dev.wsroute.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.wsroute.model.RouteId;
import dev.wsroute.standalone.RoutesDocuments;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.EndpointSource;
import dev.wsroute.table.Pool;
import dev.wsroute.table.PoolId;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.tls.TlsResolver;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

/** Upgrade admission as a pure function: request + table → answer or go, no sockets. */
class UpgradeAdmissionTest {
    private static final RouteId CHAT = new RouteId("default", "chat");

    private static final RouteTable TABLE = table("""
            apiVersion: wsroute.dev/v1alpha1
            kind: WebSocketRoute
            metadata: {name: chat, namespace: default}
            spec:
              hosts: [chat.example.com]
              rules:
                - match: {path: {value: /ws}}
                  allowedOrigins: ["https://chat.example.com"]
                  backends: [{endpoints: ["127.0.0.1:9001"]}]
                - match: {path: {value: /empty}}
                  backends: [{endpoints: ["127.0.0.1:9002"], weight: 0}]  # weight 0: no endpoint takes traffic
            """);

    private static RouteTable table(String yaml) {
        RoutesDocuments.Parsed parsed = RoutesDocuments.parse("test.yaml", yaml.getBytes(StandardCharsets.UTF_8));
        assertThat(parsed.errors()).isEmpty();
        return new TableBuilder(EndpointSource.STATIC, TlsResolver.NONE).build(1, parsed.routes(), p -> { });
    }

    private static HttpRequest upgrade(String path) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
        r.headers().set("Host", "chat.example.com").set("Connection", "Upgrade").set("Upgrade", "websocket")
                .set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==").set("Sec-WebSocket-Version", "13");
        return r;
    }

    private static UpgradeAdmission.Decision decide(HttpRequest r) {
        return UpgradeAdmission.decide(new ClientRequest(TestHeads.parse(r)), TABLE, null);
    }

    private static UpgradeAdmission.Answer answer(HttpRequest r) {
        assertThat(decide(r)).isInstanceOf(UpgradeAdmission.Answer.class);
        return (UpgradeAdmission.Answer) decide(r);
    }

    @Test
    void aMatchingUpgradeGoesToItsRule() {
        UpgradeAdmission.Decision d = decide(upgrade("/ws/room"));

        assertThat(d).isInstanceOf(UpgradeAdmission.Go.class);
        assertThat(((UpgradeAdmission.Go) d).rule().key()).isSameAs(TABLE.route(CHAT).rules().get(0).key());
    }

    @Test
    void aBadKeyOrAPostIs400() {
        HttpRequest badKey = upgrade("/ws");
        badKey.headers().set("Sec-WebSocket-Key", "short");
        HttpRequest post = upgrade("/ws");
        post.setMethod(HttpMethod.POST);

        assertThat(answer(badKey).status().code()).isEqualTo(400);
        assertThat(answer(post).status().code()).isEqualTo(400);
    }

    @Test
    void anotherVersionIs426NamingVersion13() {
        HttpRequest r = upgrade("/ws");
        r.headers().set("Sec-WebSocket-Version", "8");

        UpgradeAdmission.Answer a = answer(r);
        assertThat(a.status().code()).isEqualTo(426);
        assertThat(a.response().headers().get("Sec-WebSocket-Version")).isEqualTo("13");
    }

    @Test
    void noMatchingRuleIs404UnderNoRoute() {
        UpgradeAdmission.Answer a = answer(upgrade("/elsewhere"));

        assertThat(a.status().code()).isEqualTo(404);
        assertThat(a.route()).isNull();
    }

    @Test
    void aForeignOriginIs403AndAMissingOnePasses() {
        HttpRequest foreign = upgrade("/ws");
        foreign.headers().set("Origin", "https://evil.example");

        UpgradeAdmission.Answer a = answer(foreign);
        assertThat(a.status().code()).isEqualTo(403);
        assertThat(a.route()).as("counted under the route, as its 101s are").isEqualTo(CHAT);
        assertThat(decide(upgrade("/ws"))).isInstanceOf(UpgradeAdmission.Go.class);
    }

    @Test
    void anEmptyPoolIs503UnderTheRoute() {
        UpgradeAdmission.Answer a = answer(upgrade("/empty"));

        assertThat(a.status().code()).isEqualTo(503);
        assertThat(a.route()).isEqualTo(CHAT);
    }

    @Test
    void upgradesNoRouteClaimsGoToTheDefaultBackendWhenThereIsOne() {
        Pool app = Pool.defaultBackend(List.of(Endpoint.of("127.0.0.1", 8081, 1)));

        UpgradeAdmission.Decision d = UpgradeAdmission.decide(new ClientRequest(TestHeads.parse(upgrade("/app-socket"))), TABLE, app);

        assertThat(d).isInstanceOf(UpgradeAdmission.Go.class);
        UpgradeAdmission.Go go = (UpgradeAdmission.Go) d;
        assertThat(go.rule().key()).isEqualTo(PoolId.DefaultBackend.INSTANCE);
        assertThat(go.rule().pool()).isSameAs(app);
        assertThat(go.rule().rule().rewrite().hostname()).as("passed through unedited").isNull();
    }

    @Test
    void theConnectionLimitAnswerCarriesRetryAfter() {
        UpgradeAdmission.Go go = (UpgradeAdmission.Go) decide(upgrade("/ws"));

        UpgradeAdmission.Answer a = UpgradeAdmission.atLimit(go.rule());
        assertThat(a.status().code()).isEqualTo(503);
        assertThat(a.route()).isEqualTo(CHAT);
        assertThat(a.response().headers().get("Retry-After")).isEqualTo("5");
    }
}

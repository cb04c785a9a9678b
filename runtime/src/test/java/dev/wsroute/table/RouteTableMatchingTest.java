package dev.wsroute.table;

import dev.wsroute.tls.TlsResolver;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.wsroute.model.RouteId;
import dev.wsroute.standalone.RoutesDocuments;

/** Route matching as the CONTRACT states it: the most specific host decides, rules in order, no fallthrough. */
class RouteTableMatchingTest {

    /** A request as matching sees it; header names given here in any case. */
    record Req(String host, String path, Map<String, String> headers, Map<String, String> query, List<String> subprotocols)
            implements RequestView {

        static Req of(String host, String path) {
            return new Req(host, path, Map.of(), Map.of(), List.of());
        }

        Req header(String name, String value) {
            Map<String, String> h = new java.util.HashMap<>(headers);
            h.put(name, value);
            return new Req(host, path, h, query, subprotocols);
        }

        Req query(String name, String value) {
            Map<String, String> q = new java.util.HashMap<>(query);
            q.put(name, value);
            return new Req(host, path, headers, q, subprotocols);
        }

        Req offering(String... protocols) {
            return new Req(host, path, headers, query, List.of(protocols));
        }

        @Override
        public String header(String lowerCaseName) {
            return headers.entrySet().stream().filter(e -> e.getKey().toLowerCase(Locale.ROOT).equals(lowerCaseName))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
        }

        @Override
        public String queryParam(String name) {
            return query.get(name);
        }
    }

    /** Builds a table from routes-file YAML (documents separated by ---). */
    static RouteTable table(String yaml) {
        RoutesDocuments.Parsed parsed = RoutesDocuments.parse("test.yaml", yaml.getBytes(StandardCharsets.UTF_8));
        assertThat(parsed.errors()).as("test routes must be valid").isEmpty();
        return new TableBuilder(EndpointSource.STATIC, TlsResolver.NONE).build(7, parsed.routes(), p -> {
        });
    }

    /** A route document; {@code hosts} is a YAML flow list ("" for any host), {@code rules} YAML flow mappings. */
    static String route(String name, String hosts, String... rules) {
        StringBuilder sb = new StringBuilder("---\napiVersion: wsroute.dev/v1alpha1\nkind: WebSocketRoute\nmetadata: {name: ")
                .append(name).append("}\nspec:\n");
        if (!hosts.isEmpty()) {
            sb.append("  hosts: ").append(hosts).append('\n');
        }
        sb.append("  rules:\n");
        for (String r : rules) {
            sb.append("    - {").append(r).append(", backends: [{endpoints: ['10.0.0.1:80']}]}\n");
        }
        return sb.toString();
    }

    /** "route#index" of the matched rule, or "404". */
    static String matched(RouteTable t, RequestView req) {
        CompiledRule rule = t.matchUpgrade(req);
        return rule == null ? "404" : rule.key().route().name() + "#" + ((RuleKey) rule.key()).index();
    }

    static String path(String type, String value) {
        return "match: {path: {type: " + type + ", value: '" + value + "'}}";
    }

    // --- hosts ---

    private static final RouteTable HOSTS = table(
            route("any", "", path("Prefix", "/"))
                    + route("wide", "['*.example.com']", path("Prefix", "/"))
                    + route("deep", "['*.b.example.com']", path("Prefix", "/"))
                    + route("exact", "[Chat.Example.com]", path("Prefix", "/")));

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "chat.example.com, exact#0",
            "a.example.com, wide#0",
            "a.b.example.com, deep#0", // the longest wildcard beats a shorter one
            "x.y.b.example.com, deep#0",
            "a.c.example.com, wide#0", // *.example.com matches more than one label
            "example.com, any#0", // a wildcard does not match the bare domain
            "b.example.com, wide#0", // nor does *.b.example.com match b.example.com
            "other.org, any#0",
            "'', any#0", // no Host header at all
    })
    void mostSpecificHostDecides(String host, String expected) {
        assertThat(matched(HOSTS, Req.of(host, "/x"))).isEqualTo(expected);
    }

    @Test
    void routesForListsOnlyTheMostSpecificHostEntry() {
        assertThat(HOSTS.routesFor("chat.example.com")).extracting(r -> r.route().id().name()).containsExactly("exact");
        assertThat(HOSTS.routesFor("nowhere")).extracting(r -> r.route().id().name()).containsExactly("any");
        assertThat(HOSTS.version()).isEqualTo(7);
    }

    @Test
    void withoutAnAnyHostRouteAnUnknownHostMatchesNothing() {
        RouteTable t = table(route("exact", "[chat.example.com]", path("Prefix", "/")));

        assertThat(matched(t, Req.of("other.example.com", "/"))).isEqualTo("404");
        assertThat(matched(t, Req.of("chat.example.com", "/"))).isEqualTo("exact#0");
    }

    @Test
    void noFallthroughToLessSpecificHosts() {
        RouteTable t = table(route("any", "", path("Prefix", "/b"))
                + route("wide", "['*.example.com']", path("Prefix", "/c"))
                + route("exact", "[chat.example.com]", path("Prefix", "/a")));

        assertThat(matched(t, Req.of("chat.example.com", "/a"))).isEqualTo("exact#0");
        assertThat(matched(t, Req.of("chat.example.com", "/b"))).as("any-host route is not consulted").isEqualTo("404");
        assertThat(matched(t, Req.of("chat.example.com", "/c"))).as("wildcard route is not consulted").isEqualTo("404");
        assertThat(matched(t, Req.of("x.example.com", "/b"))).isEqualTo("404");
        assertThat(matched(t, Req.of("x.example.com", "/c"))).isEqualTo("wide#0");
    }

    @Test
    void routesSharingAHostAreTriedInFileOrder() {
        RouteTable t = table(route("first", "[chat.example.com]", path("Prefix", "/a"))
                + route("second", "[chat.example.com, other.example.com]", path("Prefix", "/"))
                + route("third", "[chat.example.com]", path("Prefix", "/")));

        assertThat(matched(t, Req.of("chat.example.com", "/a/b"))).isEqualTo("first#0");
        assertThat(matched(t, Req.of("chat.example.com", "/z"))).isEqualTo("second#0");
        assertThat(matched(t, Req.of("other.example.com", "/a"))).isEqualTo("second#0");
    }

    // --- rules and paths ---

    @Test
    void firstMatchingRuleWinsInOrder() {
        RouteTable t = table(route("r", "", path("Prefix", "/ws"), path("Prefix", "/"), path("Exact", "/ws/x")));

        assertThat(matched(t, Req.of("h", "/ws/x"))).as("rule 2 would match exactly, but rule 0 comes first").isEqualTo("r#0");
        assertThat(matched(t, Req.of("h", "/other"))).isEqualTo("r#1");
    }

    @ParameterizedTest(name = "Prefix {0} on {1}: {2}")
    @CsvSource({
            "/echo, /echo, true",
            "/echo, /echo/, true",
            "/echo, /echo/x, true",
            "/echo, /echo/x/y, true",
            "/echo, /echoes, false",
            "/echo, /ech, false",
            "/echo, /, false",
            "/echo, /x/echo, false",
            "/echo/, /echo, true", // a trailing slash in the value is ignored
            "/echo/, /echo/x, true",
            "/echo/, /echoes, false",
            "/, /, true",
            "/, /anything/at/all, true",
            "/a/b, /a/b/c, true",
            "/a/b, /a/bc, false",
    })
    void prefixMatchesByPathSegment(String value, String path, boolean matches) {
        RouteTable t = table(route("r", "", path("Prefix", value)));

        assertThat(matched(t, Req.of("h", path))).isEqualTo(matches ? "r#0" : "404");
    }

    @ParameterizedTest(name = "Exact /echo on {0}: {1}")
    @CsvSource({"/echo, true", "/echo/, false", "/echo/x, false", "/Echo, false", "/ech, false"})
    void exactMatchesOnlyTheWholePath(String path, boolean matches) {
        RouteTable t = table(route("r", "", path("Exact", "/echo")));

        assertThat(matched(t, Req.of("h", path))).isEqualTo(matches ? "r#0" : "404");
    }

    @ParameterizedTest(name = "RegularExpression /ws/[0-9]+ on {0}: {1}")
    @CsvSource({"/ws/42, true", "/ws/42/x, false", "/x/ws/42, false", "/ws/, false", "/ws/abc, false"})
    void regularExpressionMustMatchTheWholePath(String path, boolean matches) {
        RouteTable t = table(route("r", "", path("RegularExpression", "/ws/[0-9]+")));

        assertThat(matched(t, Req.of("h", path))).isEqualTo(matches ? "r#0" : "404");
    }

    @Test
    void ruleWithoutMatchTakesEverything() {
        RouteTable t = table(route("r", "", "maxConnections: 1"));

        assertThat(matched(t, Req.of("h", "/whatever").offering("x"))).isEqualTo("r#0");
    }

    // --- headers, query parameters, subprotocols ---

    @Test
    void headerNameIsCaseInsensitiveAndValueExact() {
        RouteTable t = table(route("r", "", "match: {headers: [{name: X-Tenant, value: gold}]}"));

        assertThat(matched(t, Req.of("h", "/").header("x-tenant", "gold"))).isEqualTo("r#0");
        assertThat(matched(t, Req.of("h", "/").header("X-TENANT", "gold"))).isEqualTo("r#0");
        assertThat(matched(t, Req.of("h", "/").header("X-Tenant", "Gold"))).as("values are case-sensitive").isEqualTo("404");
        assertThat(matched(t, Req.of("h", "/").header("X-Tenant", "golden"))).isEqualTo("404");
        assertThat(matched(t, Req.of("h", "/"))).as("missing header").isEqualTo("404");
    }

    @Test
    void headerRegularExpressionMatchesTheWholeValue() {
        RouteTable t = table(route("r", "", "match: {headers: [{name: X-Tenant, value: 'gold|silver', type: RegularExpression}]}"));

        assertThat(matched(t, Req.of("h", "/").header("X-Tenant", "silver"))).isEqualTo("r#0");
        assertThat(matched(t, Req.of("h", "/").header("X-Tenant", "silverware"))).isEqualTo("404");
    }

    @Test
    void everyHeaderAndQueryParamMustMatch() {
        RouteTable t = table(route("r", "", "match: {headers: [{name: A, value: '1'}, {name: B, value: '2'}], "
                + "queryParams: [{name: room, value: lobby}]}"));

        Req all = Req.of("h", "/").header("a", "1").header("b", "2").query("room", "lobby");
        assertThat(matched(t, all)).isEqualTo("r#0");
        assertThat(matched(t, all.header("b", "3"))).isEqualTo("404");
        assertThat(matched(t, all.query("room", "kitchen"))).isEqualTo("404");
        assertThat(matched(t, Req.of("h", "/").header("a", "1").header("b", "2"))).isEqualTo("404");
    }

    @Test
    void queryParamNamesAreCaseSensitive() {
        RouteTable t = table(route("r", "", "match: {queryParams: [{name: room, value: lobby}]}"));

        assertThat(matched(t, Req.of("h", "/").query("room", "lobby"))).isEqualTo("r#0");
        assertThat(matched(t, Req.of("h", "/").query("Room", "lobby"))).isEqualTo("404");
    }

    @Test
    void queryParamRegularExpression() {
        RouteTable t = table(route("r", "", "match: {queryParams: [{name: v, value: '[0-9]+', type: RegularExpression}]}"));

        assertThat(matched(t, Req.of("h", "/").query("v", "12"))).isEqualTo("r#0");
        assertThat(matched(t, Req.of("h", "/").query("v", "12a"))).isEqualTo("404");
    }

    @Test
    void subprotocolMatchesWhenTheClientOffersAnyOfThem() {
        RouteTable t = table(route("r", "", "match: {subprotocols: [mqtt, v2.chat]}"));

        assertThat(matched(t, Req.of("h", "/").offering("v2.chat"))).isEqualTo("r#0");
        assertThat(matched(t, Req.of("h", "/").offering("graphql-ws", "mqtt"))).isEqualTo("r#0");
        assertThat(matched(t, Req.of("h", "/").offering("graphql-ws"))).isEqualTo("404");
        assertThat(matched(t, Req.of("h", "/"))).as("offers none").isEqualTo("404");
    }

    @Test
    void aRuleThatDoesNotMatchPassesToTheNextRuleOfTheSameHost() {
        RouteTable t = table(route("r", "", "match: {path: {value: /ws}, subprotocols: [mqtt]}", path("Prefix", "/ws")));

        assertThat(matched(t, Req.of("h", "/ws").offering("mqtt"))).isEqualTo("r#0");
        assertThat(matched(t, Req.of("h", "/ws").offering("stomp"))).isEqualTo("r#1");
    }

    // --- plain HTTP ---

    @Test
    void matchHttpPicksTheFirstRouteOfTheHostWithHttpBackends() {
        String http = "  http: {backends: [{endpoints: ['10.0.0.5:8080']}]}\n";
        RouteTable t = table(route("ws-only", "[www.example.com]", path("Prefix", "/ws"))
                + route("site", "[www.example.com]", path("Prefix", "/x")) + http
                + route("site2", "[www.example.com]", path("Prefix", "/y")) + http
                + route("fallback", "", path("Prefix", "/")) + http
                + route("no-http", "[api.example.com]", path("Prefix", "/")));

        assertThat(t.matchHttp("www.example.com").route().id().name()).isEqualTo("site");
        assertThat(t.matchHttp("other.example.com").route().id().name()).isEqualTo("fallback");
        assertThat(t.matchHttp("api.example.com")).as("no fallthrough for plain HTTP either").isNull();
        assertThat(t.matchHttp("www.example.com").http().endpoints()).extracting(Endpoint::key)
                .containsExactly("10.0.0.5:8080");
    }

    @Test
    void matchHttpIsNullWhenNoRouteDeclaresHttp() {
        RouteTable t = table(route("r", "", path("Prefix", "/")));

        assertThat(t.matchHttp("anything")).isNull();
        assertThat(RouteTable.empty().matchHttp("anything")).isNull();
        assertThat(RouteTable.empty().matchUpgrade(Req.of("h", "/"))).isNull();
    }

    // --- keeps ---

    @Test
    void keepsTellsWhetherARulesPoolStillHasAnEndpoint() {
        RouteTable t = table("""
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat}
                spec:
                  rules:
                    - backends: [{endpoints: ['10.0.0.1:80', '[fd00::1]:80']}]
                  http:
                    backends: [{endpoints: ['10.0.0.2:8080']}]
                """);
        RouteId chat = new RouteId("default", "chat");
        RuleKey rule = (RuleKey) t.route(chat).rules().get(0).key();

        assertThat(t.keeps(rule, "10.0.0.1:80")).isTrue();
        assertThat(t.keeps(rule, "[fd00::1]:80")).isTrue();
        assertThat(t.keeps(rule, "10.0.0.2:8080")).as("another pool of the route has it, this rule does not").isFalse();
        assertThat(t.keeps(new PoolId.Http(chat), "10.0.0.2:8080")).isTrue();
        assertThat(t.keeps(rule, "10.0.0.3:80")).isFalse();
        assertThat(t.keeps(new RuleKey(new RouteId("other", "chat"), rule.identity(), 0), "10.0.0.1:80")).as("another route").isFalse();
        assertThat(t.keeps(PoolId.DefaultBackend.INSTANCE, "10.0.0.9:80")).as("the default backend is not the table's").isTrue();
        assertThat(t.route(chat)).isNotNull();
        assertThat(t.route(new RouteId("default", "nope"))).isNull();
    }

    @Test
    void ruleKeyNamesRouteAndRulePosition() {
        RouteTable t = table(route("r", "", path("Prefix", "/a"), path("Prefix", "/b")));

        CompiledRule rule = t.matchUpgrade(Req.of("h", "/b"));
        assertThat(rule.key()).hasToString("default/r rules[1]");
        assertThat(t.indexOf((RuleKey) rule.key())).isEqualTo(1);
        assertThat(rule.pool().endpoints()).extracting(Endpoint::key).containsExactly("10.0.0.1:80");
    }

    @Test
    void routesAreKeptInTheOrderGiven() {
        RouteTable t = table(route("b", "", path("Prefix", "/")) + route("a", "[x.example.com]", path("Prefix", "/")));

        List<String> names = new ArrayList<>();
        t.routes().forEach(r -> names.add(r.route().id().name()));
        assertThat(names).containsExactly("b", "a");
    }
}

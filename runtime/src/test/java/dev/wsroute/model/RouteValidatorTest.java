package dev.wsroute.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import dev.wsroute.api.PortRef;
import dev.wsroute.api.WebSocketRouteSpec;
import dev.wsroute.model.LoadBalancing.HashOn;
import dev.wsroute.model.LoadBalancing.Policy;
import dev.wsroute.model.Match.PathKind;
import dev.wsroute.model.RouteValidator.Result;
import dev.wsroute.model.RouteValidator.Source;

/**
 * Every rule of {@link RouteValidator}: a bad spec yields an error naming the exact field path, a good one a
 * {@link Route} with the defaults applied. Specs are written as the YAML users write.
 */
class RouteValidatorTest {
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private static final RouteId ID = new RouteId("default", "chat");
    private static final String BACKEND = "backends: [{endpoints: ['127.0.0.1:9001']}]";

    private static WebSocketRouteSpec spec(String yaml) {
        try {
            return YAML.readValue(yaml, WebSocketRouteSpec.class);
        } catch (Exception e) {
            throw new AssertionError("test spec does not parse: " + yaml, e);
        }
    }

    private static Result validate(Source source, String yaml) {
        return new RouteValidator(source).validate(ID, spec(yaml));
    }

    private static Result file(String yaml) {
        return validate(Source.FILE, yaml);
    }

    /** A spec with one rule whose body is {@code ruleBody} (YAML flow mapping entries). */
    private static Result rule(String ruleBody) {
        return file("rules: [{" + ruleBody + "}]");
    }

    private static List<String> fields(Result r) {
        return r.errors().stream().map(FieldError::field).toList();
    }

    // --- valid specs and defaults ---

    @Test
    void minimalRuleGetsEveryDefault() {
        Result r = rule(BACKEND);

        assertThat(r.errors()).isEmpty();
        assertThat(r.valid()).isTrue();
        Route route = r.route();
        assertThat(route.id()).isEqualTo(ID);
        assertThat(route.hosts()).isEmpty();
        assertThat(route.tls()).isEmpty();
        assertThat(route.httpBackends()).isEmpty();
        Rule rule = route.rules().get(0);
        assertThat(rule.index()).isZero();
        assertThat(rule.match()).isEqualTo(Match.ANY);
        assertThat(rule.rewrite()).isEqualTo(Rewrite.NONE);
        assertThat(rule.maxConnections()).isEqualTo(10_000);
        assertThat(rule.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(rule.idleTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(rule.loadBalancing()).isEqualTo(new LoadBalancing(Policy.LeastConnections, null));
        assertThat(rule.upstreamTls()).isEmpty();
        assertThat(rule.allowedOrigins()).isEmpty();
        assertThat(rule.backends()).containsExactly(
                new Backend(null, List.of(new Backend.HostPort("127.0.0.1", 9001)), 1));
    }

    @Test
    void fullRuleKeepsEveryGivenValue() {
        Result r = file("""
                hosts: [Chat.Example.COM, '*.example.com', chat.example.com]
                tls: {secretName: chat-tls}
                rules:
                  - match:
                      path: {type: Prefix, value: /ws}
                      headers: [{name: X-Tenant, value: gold}, {name: X-Re, value: 'a.*', type: RegularExpression}]
                      queryParams: [{name: room, value: lobby}]
                      subprotocols: [mqtt, v2.chat]
                    rewrite:
                      path: {replacePrefixMatch: /echo}
                      hostname: backend.internal
                      setHeaders: [{name: X-Route, value: chat}]
                      removeHeaders: [Cookie]
                    backends:
                      - service: {name: chat, port: 8080}
                        weight: 3
                      - service: {name: chat-canary, port: http}
                    upstreamTLS: {enabled: true, caSecretName: ca, sni: chat.internal}
                    loadBalancer: {policy: ConsistentHash, hashOn: {header: X-User}}
                    allowedOrigins: ['https://Chat.Example.com']
                    maxConnections: 50
                    timeouts: {handshake: 500ms, idle: 1h30m}
                http:
                  backends: [{service: {name: web, port: 80}}]
                """);

        assertThat(r.errors()).isEmpty();
        Route route = r.route();
        assertThat(route.hosts()).as("lower-cased, duplicates dropped, order kept")
                .containsExactly("chat.example.com", "*.example.com");
        assertThat(route.tls()).contains(new Route.TlsRef("chat-tls", null, null, false));
        Rule rule = route.rules().get(0);
        assertThat(rule.match().path().kind()).isEqualTo(PathKind.Prefix);
        assertThat(rule.match().path().value()).isEqualTo("/ws");
        assertThat(rule.match().headers()).extracting(Match.ValueMatch::name).as("header names lower-cased")
                .containsExactly("x-tenant", "x-re");
        assertThat(rule.match().headers().get(0).regex()).isNull();
        assertThat(rule.match().headers().get(1).regex().pattern()).isEqualTo("a.*");
        assertThat(rule.match().queryParams()).extracting(Match.ValueMatch::name).containsExactly("room");
        assertThat(rule.match().subprotocols()).containsExactly("mqtt", "v2.chat");
        assertThat(rule.rewrite()).isEqualTo(new Rewrite("/echo", null, "backend.internal",
                List.of(new Rewrite.Header("X-Route", "chat")), List.of("Cookie")));
        assertThat(rule.backends()).containsExactly(
                new Backend(new Backend.ServiceRef("chat", PortRef.of(8080)), List.of(), 3),
                new Backend(new Backend.ServiceRef("chat-canary", PortRef.of("http")), List.of(), 1));
        assertThat(rule.upstreamTls()).contains(new Rule.UpstreamTls("ca", null, "chat.internal", false));
        assertThat(rule.loadBalancing()).isEqualTo(
                new LoadBalancing(Policy.ConsistentHash, new HashOn(HashOn.Source.header, "x-user")));
        assertThat(rule.allowedOrigins()).containsExactly("https://chat.example.com");
        assertThat(rule.maxConnections()).isEqualTo(50);
        assertThat(rule.handshakeTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(rule.idleTimeout()).isEqualTo(Duration.ofMinutes(90));
        assertThat(route.httpBackends()).containsExactly(
                new Backend(new Backend.ServiceRef("web", PortRef.of(80)), List.of(), 1));
    }

    @Test
    void routeWithOnlyHttpBackendsAndNoRulesIsValid() {
        Result r = file("http: {backends: [{endpoints: ['127.0.0.1:8080']}]}");

        assertThat(r.errors()).isEmpty();
        assertThat(r.route().rules()).isEmpty();
        assertThat(r.route().httpBackends()).hasSize(1);
    }

    @Test
    void pathTypeDefaultsToPrefix() {
        Result r = rule("match: {path: {value: /ws}}, " + BACKEND);

        assertThat(r.route().rules().get(0).match().path().kind()).isEqualTo(PathKind.Prefix);
    }

    @Test
    void upstreamTlsNotEnabledIsIgnored() {
        Result r = rule("upstreamTLS: {enabled: false, caSecretName: ca}, " + BACKEND);

        assertThat(r.route().rules().get(0).upstreamTls()).isEmpty();
    }

    @Test
    void consistentHashAcceptsEachHashSource() {
        assertThat(rule("loadBalancer: {policy: ConsistentHash, hashOn: {cookie: sid}}, " + BACKEND)
                .route().rules().get(0).loadBalancing().hashOn()).isEqualTo(new HashOn(HashOn.Source.cookie, "sid"));
        assertThat(rule("loadBalancer: {policy: ConsistentHash, hashOn: {queryParam: u}}, " + BACKEND)
                .route().rules().get(0).loadBalancing().hashOn()).isEqualTo(new HashOn(HashOn.Source.queryParam, "u"));
        assertThat(rule("loadBalancer: {policy: ConsistentHash, hashOn: {sourceIP: true}}, " + BACKEND)
                .route().rules().get(0).loadBalancing().hashOn()).isEqualTo(new HashOn(HashOn.Source.sourceIP, null));
    }

    @Test
    void ipv6EndpointsAreParsedAndPrintedInBrackets() {
        Result r = rule("backends: [{endpoints: ['[::1]:9001', '10.0.0.7:80']}]");

        List<Backend.HostPort> endpoints = r.route().rules().get(0).backends().get(0).endpoints();
        assertThat(endpoints).containsExactly(new Backend.HostPort("::1", 9001), new Backend.HostPort("10.0.0.7", 80));
        assertThat(endpoints.get(0)).hasToString("[::1]:9001");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1", ":80", "host:", "host:http", "NULL"})
    void hostPortRejectsWhatIsNotHostColonPort(String text) {
        assertThat(RouteValidator.hostPort(text)).isNull();
    }

    // --- errors: each names its exact field ---

    @Test
    void ruleNamesAreDnsLabelsAndUniqueInTheirRoute() {
        Result r = file("rules: [{name: chat, " + BACKEND + "}, {name: feed, " + BACKEND + "}, {name: chat, " + BACKEND
                + "}, {name: Chat_1, " + BACKEND + "}]");

        assertThat(r.errors()).containsExactly(
                new FieldError("spec.rules[2].name", "'chat' is already the name of spec.rules[0]"),
                new FieldError("spec.rules[3].name", "'Chat_1' is not a DNS label (lower case letters, digits and '-', at most 63)"));
        assertThat(fields(file("rules: [{name: " + "a".repeat(64) + ", " + BACKEND + "}]"))).containsExactly("spec.rules[0].name");
        assertThat(file("rules: [{name: " + "a".repeat(63) + ", " + BACKEND + "}, {" + BACKEND + "}]").route().rules())
                .extracting(Rule::name).containsExactly("a".repeat(63), null);
    }

    @Test
    void missingSpecIsNamed() {
        Result r = new RouteValidator(Source.FILE).validate(ID, null);

        assertThat(r.valid()).isFalse();
        assertThat(r.route()).isNull();
        assertThat(fields(r)).containsExactly("spec");
    }

    @Test
    void specWithNeitherRulesNorHttpIsRejected() {
        assertThat(fields(file("hosts: [a.example.com]"))).containsExactly("spec");
        assertThat(fields(file("rules: []\nhttp: {backends: []}"))).containsExactly("spec");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "'a..example.com'", "'*.*.example.com'", "'under_score.com'", "'a.*.com'", "'-a.com'", "'*'", "''",
            "'a.example.com:8080'"})
    void badHostIsNamedByIndex(String host) {
        Result r = file("hosts: [ok.example.com, '" + host + "']\n" + "rules: [{" + BACKEND + "}]");

        assertThat(fields(r)).containsExactly("spec.hosts[1]");
        assertThat(r.errors().get(0).message()).contains("'" + host + "'");
    }

    @Test
    void tooLongHostIsRejected() {
        String label = "a".repeat(60);
        String host = String.join(".", label, label, label, label, label); // 304 characters
        assertThat(fields(file("hosts: [" + host + "]\nrules: [{" + BACKEND + "}]"))).containsExactly("spec.hosts[0]");
    }

    @Test
    void tlsErrorsNameTheirField() {
        String rules = "\nrules: [{" + BACKEND + "}]";
        assertThat(fields(file("tls: {redirect: true}" + rules))).containsExactly("spec.tls.secretName");
        assertThat(fields(file("tls: {certFile: /c.pem}" + rules))).containsExactly("spec.tls");
        assertThat(fields(file("tls: {certFile: /c.pem, keyFile: /k.pem, secretName: s}" + rules)))
                .containsExactly("spec.tls");
        assertThat(fields(validate(Source.CLUSTER, "tls: {certFile: /c.pem, keyFile: /k.pem}\n"
                + "rules: [{backends: [{service: {name: s, port: 80}}]}]"))).containsExactly("spec.tls.certFile");
        assertThat(file("tls: {certFile: /c.pem, keyFile: /k.pem}" + rules).route().tls())
                .contains(new Route.TlsRef(null, "/c.pem", "/k.pem", false));
    }

    @Test
    void nullRuleIsNamed() {
        assertThat(fields(file("rules: [{" + BACKEND + "}, null]"))).containsExactly("spec.rules[1]");
    }

    @Test
    void errorInSecondRuleNamesRuleOneAndOnlyIt() {
        Result r = file("rules: [{" + BACKEND + "}, {match: {path: {value: ws}}, " + BACKEND + "}]");

        assertThat(fields(r)).containsExactly("spec.rules[1].match.path.value");
        assertThat(r.route()).isNull();
    }

    @Test
    void everyErrorOfASpecIsReportedAtOnce() {
        Result r = file("""
                hosts: ['bad host']
                rules:
                  - maxConnections: 0
                    timeouts: {idle: forever}
                """);

        assertThat(fields(r)).containsExactlyInAnyOrder("spec.hosts[0]", "spec.rules[0].backends",
                "spec.rules[0].maxConnections", "spec.rules[0].timeouts.idle");
    }

    @Test
    void pathValueErrors() {
        assertThat(fields(rule("match: {path: {type: Exact}}, " + BACKEND)))
                .containsExactly("spec.rules[0].match.path.value");
        assertThat(fields(rule("match: {path: {type: Prefix, value: ' '}}, " + BACKEND)))
                .containsExactly("spec.rules[0].match.path.value");
        Result relative = rule("match: {path: {type: Exact, value: ws}}, " + BACKEND);
        assertThat(fields(relative)).containsExactly("spec.rules[0].match.path.value");
        assertThat(relative.errors().get(0).message()).contains("must start with '/'");
    }

    @Test
    void badPathRegexIsNamed() {
        Result r = rule("match: {path: {type: RegularExpression, value: '/ws/(unclosed'}}, " + BACKEND);

        assertThat(fields(r)).containsExactly("spec.rules[0].match.path.value");
        assertThat(r.errors().get(0).message()).startsWith("invalid regular expression");
    }

    @Test
    void aPatternRe2CannotRunInLinearTimeIsRefusedNamingTheField() {
        Result backref = rule("match: {path: {type: RegularExpression, value: '/(a)\\1'}}, " + BACKEND);
        assertThat(fields(backref)).containsExactly("spec.rules[0].match.path.value");
        assertThat(backref.errors().get(0).message()).contains("RE2 syntax");

        Result lookahead = rule("match: {headers: [{name: X-A, type: RegularExpression, value: '(?=a)a'}]}, " + BACKEND);
        assertThat(fields(lookahead)).containsExactly("spec.rules[0].match.headers[0].value");

        Result tooLong = rule("match: {queryParams: [{name: q, type: RegularExpression, value: '" + "a".repeat(5000) + "'}]}, " + BACKEND);
        assertThat(fields(tooLong)).containsExactly("spec.rules[0].match.queryParams[0].value");
    }

    @Test
    void nestedQuantifiersCompileAndMatchInLinearTime() {
        Result r = rule("match: {path: {type: RegularExpression, value: '/((a+)+)+$'}}, " + BACKEND);
        assertThat(r.errors()).isEmpty();
        Match.PathMatch path = r.route().rules().get(0).match().path();

        // catastrophic for a backtracking engine (2^n steps); RE2 answers at once, however long the input
        assertThat(path.matches("/" + "a".repeat(100_000) + "!")).isFalse();
        assertThat(path.matches("/" + "a".repeat(100_000))).isTrue();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
            "rewrite: {path: {replaceFullPath: \"/a\\r\\nX-Injected: 1\"}}| spec.rules[0].rewrite.path.replaceFullPath",
            "rewrite: {path: {replaceFullPath: '/a b'}}| spec.rules[0].rewrite.path.replaceFullPath",
            "rewrite: {path: {replaceFullPath: 'a'}}| spec.rules[0].rewrite.path",
            "rewrite: {path: {replaceFullPath: '/a/../admin'}}| spec.rules[0].rewrite.path.replaceFullPath",
            "rewrite: {path: {replaceFullPath: '/a?x=1'}}| spec.rules[0].rewrite.path.replaceFullPath",
            "rewrite: {path: {replaceFullPath: '/a%zz'}}| spec.rules[0].rewrite.path.replaceFullPath",
            "match: {path: {value: /ws}}, rewrite: {path: {replacePrefixMatch: \"/e\\tcho\"}}| spec.rules[0].rewrite.path.replacePrefixMatch",
            "rewrite: {hostname: \"back\\u0085end\"}| spec.rules[0].rewrite.hostname",
            "rewrite: {hostname: \"\\u212Aelvin.example\"}| spec.rules[0].rewrite.hostname",
            "rewrite: {hostname: '*.example.com'}| spec.rules[0].rewrite.hostname",
            "rewrite: {setHeaders: [{name: X-A, value: \"a\\u0085b\"}]}| spec.rules[0].rewrite.setHeaders[0].value",
            "rewrite: {setHeaders: [{name: X-A, value: \"a\\u2028b\"}]}| spec.rules[0].rewrite.setHeaders[0].value",
            "rewrite: {setHeaders: [{name: X-A, value: \"a\\rb\"}]}| spec.rules[0].rewrite.setHeaders[0].value",
            "rewrite: {setHeaders: [{name: X-A, value: \"a\\u0000b\"}]}| spec.rules[0].rewrite.setHeaders[0].value",
            "rewrite: {setHeaders: [{name: \"X-\\u0085\", value: a}]}| spec.rules[0].rewrite.setHeaders[0].name",
            "rewrite: {removeHeaders: [\"X-A\\n\"]}| spec.rules[0].rewrite.removeHeaders[0]",
            "match: {headers: [{name: X-A, value: \"a\\u2029\"}]}| spec.rules[0].match.headers[0].value",
            "match: {queryParams: [{name: \"q\\n\", value: a}]}| spec.rules[0].match.queryParams[0].name",
            "match: {path: {value: \"/ws\\u0085\"}}| spec.rules[0].match.path.value",
            "allowedOrigins: [\"https://a.example\\r\\n\"]| spec.rules[0].allowedOrigins[0]",
            "upstreamTLS: {enabled: true, sni: \"a\\u2028b\"}| spec.rules[0].upstreamTLS.sni",
    })
    void controlCharactersAndBadRewritesAreRefusedNamingTheField(String yaml, String field) {
        assertThat(fields(rule(yaml + ", " + BACKEND))).containsExactly(field.trim());
    }

    @Test
    void anOverlongHeaderValueIsRefused() {
        Result r = rule("rewrite: {setHeaders: [{name: X-A, value: '" + "v".repeat(100_000) + "'}]}, " + BACKEND);

        assertThat(fields(r)).containsExactly("spec.rules[0].rewrite.setHeaders[0].value");
    }

    @Test
    void aUnicodeHostIsRefusedEvenWhenItLowerCasesToAscii() {
        assertThat(fields(file("hosts: [\"\\u212Aelvin.example\"]\nrules: [{" + BACKEND + "}]"))).containsExactly("spec.hosts[0]");
    }

    @Test
    void regexPathNeedNotStartWithSlash() {
        Result r = rule("match: {path: {type: RegularExpression, value: '.*/ws'}}, " + BACKEND);

        assertThat(r.errors()).isEmpty();
        assertThat(r.route().rules().get(0).match().path().regex().pattern()).isEqualTo(".*/ws");
    }

    @Test
    void headerMatchErrors() {
        assertThat(fields(rule("match: {headers: [{name: 'X Bad', value: v}]}, " + BACKEND)))
                .containsExactly("spec.rules[0].match.headers[0].name");
        assertThat(fields(rule("match: {headers: [{name: X-Ok, value: v}, {value: v}]}, " + BACKEND)))
                .containsExactly("spec.rules[0].match.headers[1].name");
        assertThat(fields(rule("match: {headers: [{name: X-Ok}]}, " + BACKEND)))
                .containsExactly("spec.rules[0].match.headers[0].value");
        assertThat(fields(rule("match: {headers: [{name: X-Ok, value: '[', type: RegularExpression}]}, " + BACKEND)))
                .containsExactly("spec.rules[0].match.headers[0].value");
    }

    @Test
    void queryParamMatchErrors() {
        assertThat(fields(rule("match: {queryParams: [{name: '', value: v}]}, " + BACKEND)))
                .containsExactly("spec.rules[0].match.queryParams[0].name");
        assertThat(fields(rule("match: {queryParams: [{name: room}]}, " + BACKEND)))
                .containsExactly("spec.rules[0].match.queryParams[0].value");
        assertThat(fields(rule("match: {queryParams: [{name: room, value: '(', type: RegularExpression}]}, " + BACKEND)))
                .containsExactly("spec.rules[0].match.queryParams[0].value");
        assertThat(rule("match: {queryParams: [{name: 'a b', value: v}]}, " + BACKEND).errors())
                .as("query parameter names are not header tokens").isEmpty();
    }

    @Test
    void badSubprotocolIsNamedByIndex() {
        assertThat(fields(rule("match: {subprotocols: [mqtt, 'bad proto']}, " + BACKEND)))
                .containsExactly("spec.rules[0].match.subprotocols[1]");
    }

    @Test
    void rewritePathErrors() {
        String prefixMatch = "match: {path: {type: Prefix, value: /ws}}, ";
        assertThat(fields(rule(prefixMatch + "rewrite: {path: {replacePrefixMatch: /a, replaceFullPath: /b}}, " + BACKEND)))
                .containsExactly("spec.rules[0].rewrite.path");
        assertThat(fields(rule(prefixMatch + "rewrite: {path: {}}, " + BACKEND)))
                .containsExactly("spec.rules[0].rewrite.path");
        assertThat(fields(rule(prefixMatch + "rewrite: {path: {replacePrefixMatch: echo}}, " + BACKEND)))
                .containsExactly("spec.rules[0].rewrite.path");
        assertThat(fields(rule(prefixMatch + "rewrite: {path: {replaceFullPath: socket}}, " + BACKEND)))
                .containsExactly("spec.rules[0].rewrite.path");
        assertThat(fields(rule("match: {path: {type: Exact, value: /ws}}, rewrite: {path: {replacePrefixMatch: /a}}, " + BACKEND)))
                .containsExactly("spec.rules[0].rewrite.path.replacePrefixMatch");
        assertThat(fields(rule("rewrite: {path: {replacePrefixMatch: /a}}, " + BACKEND)))
                .as("no path match at all").containsExactly("spec.rules[0].rewrite.path.replacePrefixMatch");
        assertThat(rule("match: {path: {type: Exact, value: /ws}}, rewrite: {path: {replaceFullPath: /a}}, " + BACKEND)
                .errors()).as("replaceFullPath works with any match").isEmpty();
    }

    @Test
    void rewriteHeaderAndHostnameErrors() {
        assertThat(fields(rule("rewrite: {hostname: 'bad_host'}, " + BACKEND)))
                .containsExactly("spec.rules[0].rewrite.hostname");
        assertThat(fields(rule("rewrite: {setHeaders: [{name: X-A, value: a}, {name: 'X B', value: b}]}, " + BACKEND)))
                .containsExactly("spec.rules[0].rewrite.setHeaders[1].name");
        assertThat(fields(rule("rewrite: {setHeaders: [{name: X-A}]}, " + BACKEND)))
                .containsExactly("spec.rules[0].rewrite.setHeaders[0].value");
        assertThat(fields(rule("rewrite: {setHeaders: [{name: X-A, value: \"a\\r\\nX-Injected: 1\"}]}, " + BACKEND)))
                .as("CR LF in a header value would split the request").containsExactly("spec.rules[0].rewrite.setHeaders[0].value");
        assertThat(fields(rule("rewrite: {removeHeaders: [Cookie, 'Bad:Header']}, " + BACKEND)))
                .containsExactly("spec.rules[0].rewrite.removeHeaders[1]");
    }

    @Test
    void missingBackendsAreNamed() {
        assertThat(fields(rule("maxConnections: 5"))).containsExactly("spec.rules[0].backends");
        assertThat(fields(rule("backends: []"))).containsExactly("spec.rules[0].backends");
        assertThat(fields(rule("backends: [null]"))).containsExactly("spec.rules[0].backends[0]");
    }

    @Test
    void anEmptyStaticPoolIsValidAsTheCrdAdmitsIt() {
        Result r = rule("backends: [{endpoints: []}]");
        assertThat(r.errors()).isEmpty();
        assertThat(r.route().rules().get(0).backends().get(0).endpoints()).as("a pool that answers 503").isEmpty();
        assertThat(fields(rule("backends: [{endpoints: [], service: {name: s, port: 80}}]")))
                .as("still exactly one of service or endpoints").containsExactly("spec.rules[0].backends[0]");
    }

    @Test
    void backendErrorsNameTheirField() {
        assertThat(fields(rule("backends: [{endpoints: ['127.0.0.1:1'], service: {name: s, port: 80}}]")))
                .containsExactly("spec.rules[0].backends[0]");
        assertThat(fields(rule("backends: [{weight: 2}]"))).containsExactly("spec.rules[0].backends[0]");
        assertThat(fields(rule("backends: [{endpoints: ['127.0.0.1:1'], weight: -1}]")))
                .containsExactly("spec.rules[0].backends[0].weight");
        assertThat(fields(rule("backends: [{endpoints: ['127.0.0.1:1'], weight: 1000001}]")))
                .containsExactly("spec.rules[0].backends[0].weight");
        assertThat(fields(rule("backends: [{service: {port: 80}}]"))).containsExactly("spec.rules[0].backends[0].service.name");
        assertThat(fields(rule("backends: [{service: {name: s}}]"))).containsExactly("spec.rules[0].backends[0].service.port");
        assertThat(fields(rule("backends: [{service: {name: s, port: 65536}}]")))
                .containsExactly("spec.rules[0].backends[0].service.port");
        assertThat(fields(rule("backends: [{service: {name: s, port: 0}}]")))
                .containsExactly("spec.rules[0].backends[0].service.port");
        assertThat(fields(rule("backends: [{endpoints: ['127.0.0.1:9001', 'no-port']}]")))
                .containsExactly("spec.rules[0].backends[0].endpoints[1]");
        assertThat(rule("backends: [{endpoints: ['127.0.0.1:1'], weight: 0}]").errors())
                .as("weight 0 (drained) is allowed").isEmpty();
    }

    @Test
    void httpBackendErrorsAreNamedUnderSpecHttp() {
        assertThat(fields(file("http: {backends: [{endpoints: ['127.0.0.1:1']}, {endpoints: [nope]}]}")))
                .containsExactly("spec.http.backends[1].endpoints[0]");
    }

    @Test
    void staticEndpointsAreRejectedInClusterMode() {
        Result r = validate(Source.CLUSTER, "rules: [{" + BACKEND + "}]");

        assertThat(fields(r)).containsExactly("spec.rules[0].backends[0].endpoints");
        assertThat(r.errors().get(0).message()).contains("standalone");
        assertThat(fields(validate(Source.CLUSTER, "http: {backends: [{endpoints: ['127.0.0.1:1']}]}")))
                .containsExactly("spec.http.backends[0].endpoints");
        assertThat(validate(Source.CLUSTER, "rules: [{backends: [{service: {name: s, port: 80}}]}]").errors()).isEmpty();
    }

    @Test
    void upstreamTlsErrorsNameTheirField() {
        assertThat(fields(rule("upstreamTLS: {enabled: true, insecureSkipVerify: true, caSecretName: ca}, " + BACKEND)))
                .containsExactly("spec.rules[0].upstreamTLS.insecureSkipVerify");
        assertThat(fields(validate(Source.CLUSTER,
                "rules: [{upstreamTLS: {enabled: true, caFile: /ca.pem}, backends: [{service: {name: s, port: 80}}]}]")))
                .containsExactly("spec.rules[0].upstreamTLS.caFile");
        assertThat(fields(rule("upstreamTLS: {enabled: true, sni: 'bad sni'}, " + BACKEND)))
                .containsExactly("spec.rules[0].upstreamTLS.sni");
        assertThat(rule("upstreamTLS: {enabled: true, caFile: /ca.pem}, " + BACKEND).route().rules().get(0).upstreamTls())
                .contains(new Rule.UpstreamTls(null, "/ca.pem", null, false));
    }

    @Test
    void loadBalancerErrorsNameHashOn() {
        assertThat(fields(rule("loadBalancer: {hashOn: {header: X-User}}, " + BACKEND)))
                .as("hashOn without a policy").containsExactly("spec.rules[0].loadBalancer.hashOn");
        assertThat(fields(rule("loadBalancer: {policy: RoundRobin, hashOn: {header: X-User}}, " + BACKEND)))
                .containsExactly("spec.rules[0].loadBalancer.hashOn");
        assertThat(fields(rule("loadBalancer: {policy: ConsistentHash}, " + BACKEND)))
                .containsExactly("spec.rules[0].loadBalancer.hashOn");
        assertThat(fields(rule("loadBalancer: {policy: ConsistentHash, hashOn: {sourceIP: false}}, " + BACKEND)))
                .containsExactly("spec.rules[0].loadBalancer.hashOn");
        assertThat(fields(rule("loadBalancer: {policy: ConsistentHash, hashOn: {header: X-User, cookie: sid}}, " + BACKEND)))
                .containsExactly("spec.rules[0].loadBalancer.hashOn");
        assertThat(rule("loadBalancer: {policy: Random}, " + BACKEND).route().rules().get(0).loadBalancing())
                .isEqualTo(new LoadBalancing(Policy.Random, null));
    }

    @Test
    void emptyAllowedOriginIsNamedByIndex() {
        assertThat(fields(rule("allowedOrigins: ['https://a.example.com', ' '], " + BACKEND)))
                .containsExactly("spec.rules[0].allowedOrigins[1]");
    }

    @Test
    void maxConnectionsBelowOneIsNamed() {
        assertThat(fields(rule("maxConnections: 0, " + BACKEND))).containsExactly("spec.rules[0].maxConnections");
        assertThat(fields(rule("maxConnections: -5, " + BACKEND))).containsExactly("spec.rules[0].maxConnections");
        assertThat(rule("maxConnections: 1, " + BACKEND).route().rules().get(0).maxConnections()).isEqualTo(1);
    }

    @Test
    void badOrZeroTimeoutsAreNamed() {
        Result bad = rule("timeouts: {handshake: 10}, " + BACKEND);
        assertThat(fields(bad)).containsExactly("spec.rules[0].timeouts.handshake");
        assertThat(bad.errors().get(0).message()).contains("'10' is not a duration");
        assertThat(fields(rule("timeouts: {idle: 0s}, " + BACKEND))).containsExactly("spec.rules[0].timeouts.idle");
        assertThat(fields(rule("timeouts: {handshake: 1d}, " + BACKEND))).containsExactly("spec.rules[0].timeouts.handshake");
    }
}

package dev.wsroute.table;

import dev.wsroute.tls.TlsResolver;
import dev.wsroute.tls.TlsProblem;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import dev.wsroute.api.WebSocketRouteSpec;
import dev.wsroute.model.Backend;
import dev.wsroute.model.Route;
import dev.wsroute.model.RouteId;
import dev.wsroute.model.RouteValidator;
import dev.wsroute.model.Rule;
import dev.wsroute.tls.UpstreamTls;

/** Cluster-style building: Services resolved through an {@link EndpointSource}; the table holder's swap protocol. */
class TableBuilderTest {
    private static final RouteId ID = new RouteId("apps", "chat");

    private static Route clusterRoute(String specYaml) throws Exception {
        WebSocketRouteSpec spec = YAMLMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build()
                .readValue(specYaml, WebSocketRouteSpec.class);
        RouteValidator.Result r = new RouteValidator(RouteValidator.Source.CLUSTER).validate(ID, spec);
        assertThat(r.errors()).isEmpty();
        return r.route();
    }

    /** chat: three ready pods; canary: one; web: none ready. */
    private static final EndpointSource SERVICES = (route, backend) -> switch (backend.service().name()) {
        case "chat" -> List.of(new Backend.HostPort("10.0.0.1", 8080), new Backend.HostPort("10.0.0.2", 8080),
                new Backend.HostPort("10.0.0.3", 8080));
        case "canary" -> List.of(new Backend.HostPort("10.0.1.1", 8080));
        default -> List.of();
    };

    @Test
    void backendWeightIsSharedAmongTheServiceEndpoints() throws Exception {
        Route route = clusterRoute("""
                rules:
                  - backends:
                      - {service: {name: chat, port: 8080}, weight: 9}
                      - {service: {name: canary, port: http}, weight: 1}
                http:
                  backends: [{service: {name: web, port: 80}}]
                """);

        RouteTable t = new TableBuilder(SERVICES, TlsResolver.NONE).build(3, List.of(route), p -> {
        });

        CompiledRoute c = t.route(ID);
        assertThat(c.rules().get(0).pool().endpoints()).extracting(Endpoint::key, Endpoint::weight).containsExactly(
                org.assertj.core.groups.Tuple.tuple("10.0.0.1:8080", 3.0),
                org.assertj.core.groups.Tuple.tuple("10.0.0.2:8080", 3.0),
                org.assertj.core.groups.Tuple.tuple("10.0.0.3:8080", 3.0),
                org.assertj.core.groups.Tuple.tuple("10.0.1.1:8080", 1.0));
        assertThat(c.http()).as("declared http with no ready endpoint: an empty pool (503), not none (404)").isNotNull();
        assertThat(c.http().isEmpty()).isTrue();
        assertThat(c.endpointKeys()).containsExactlyInAnyOrder("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080", "10.0.1.1:8080");
        assertThat(t.version()).isEqualTo(3);
    }

    /** SERVICES, where every Service also has a terminating pod that still serves, 10.0.9.x (x: the name's length). */
    private static final EndpointSource DEPLOYING = new EndpointSource() {
        @Override
        public List<Backend.HostPort> resolve(RouteId route, Backend backend) {
            return SERVICES.resolve(route, backend);
        }

        @Override
        public List<Backend.HostPort> terminating(RouteId route, Backend backend) {
            return List.of(new Backend.HostPort("10.0.9." + backend.service().name().length(), 8080));
        }
    };

    @Test
    void aBackendWithNoReadyEndpointFallsBackToItsServingTerminatingOnesWhoseSocketsDrain() throws Exception {
        Route route = clusterRoute("""
                rules:
                  - backends:
                      - {service: {name: chat, port: 8080}, weight: 9}
                      - {service: {name: gone, port: 80}, weight: 1}
                  - backends: [{service: {name: web, port: 80}, weight: 0}]
                http:
                  backends: [{service: {name: web, port: 80}}]
                """);

        RouteTable t = new TableBuilder(DEPLOYING, TlsResolver.NONE).build(1, List.of(route), p -> {
        });

        CompiledRoute c = t.route(ID);
        assertThat(c.rules().get(0).pool().endpoints()).as("per backend, as kube-proxy per Service: chat has ready pods, gone has none")
                .extracting(Endpoint::key, Endpoint::weight).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("10.0.0.1:8080", 3.0),
                        org.assertj.core.groups.Tuple.tuple("10.0.0.2:8080", 3.0),
                        org.assertj.core.groups.Tuple.tuple("10.0.0.3:8080", 3.0),
                        org.assertj.core.groups.Tuple.tuple("10.0.9.4:8080", 1.0));
        assertThat(c.rules().get(1).pool().isEmpty()).as("weight 0 still takes nothing").isTrue();
        assertThat(c.http().endpoints()).extracting(Endpoint::key).containsExactly("10.0.9.3:8080");
        PoolId rule0 = c.rules().get(0).pool().id();
        assertThat(t.keeps(rule0, "10.0.0.1:8080")).isTrue();
        assertThat(t.keeps(rule0, "10.0.9.4:8080")).as("a socket on a terminating pod drains").isFalse();
        assertThat(t.keeps(c.http().id(), "10.0.9.3:8080")).isFalse();
        assertThat(t.endpointKeys()).as("still picked from: their balancer counts, idle connections and series stay")
                .contains("10.0.9.4:8080", "10.0.9.3:8080");
        assertThat(new TableBuilder(DEPLOYING, TlsResolver.NONE).build(2, List.of(route), p -> {
        }, t).route(ID)).as("same inputs: reused").isSameAs(c);
    }

    @Test
    void ruleWhoseUpstreamTlsCannotBeBuiltGetsNoEndpointsAndAProblem() throws Exception {
        Route route = clusterRoute("""
                rules:
                  - upstreamTLS: {enabled: true, caSecretName: ca}
                    backends: [{service: {name: chat, port: 8080}}]
                  - backends: [{service: {name: chat, port: 8080}}]
                """);
        List<TlsProblem> problems = new ArrayList<>();

        RouteTable t = new TableBuilder(SERVICES, TlsResolver.NONE).build(1, List.of(route), problems::add);

        assertThat(t.route(ID).rules().get(0).pool().isEmpty()).as("never plain text where TLS was asked for").isTrue();
        assertThat(t.route(ID).rules().get(0).upstreamTls()).isNull();
        assertThat(t.route(ID).rules().get(1).pool().endpoints()).hasSize(3);
        assertThat(problems).extracting(TlsProblem::route, TlsProblem::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(ID, "InvalidUpstreamTLS"));
    }

    @Test
    void ruleWithUpstreamTlsKeepsItsEndpointsWhenTlsIsBuilt() throws Exception {
        Route route = clusterRoute("""
                rules:
                  - upstreamTLS: {enabled: true}
                    backends: [{service: {name: canary, port: 8443}}]
                """);
        UpstreamTls built = new UpstreamTls(null, "backend.internal", true);
        TlsResolver tls = new TlsResolver() {
            @Override
            public dev.wsroute.tls.ServerCertificates serverCertificates(List<Route> routes,
                    java.util.function.Consumer<TlsProblem> problems) {
                return dev.wsroute.tls.ServerCertificates.NONE;
            }

            @Override
            public UpstreamTls upstream(Route r, Rule rule, java.util.function.Consumer<TlsProblem> problems) {
                return built;
            }
        };

        CompiledRule rule = new TableBuilder(SERVICES, tls).build(1, List.of(route), p -> {
        }).route(ID).rules().get(0);

        assertThat(rule.upstreamTls()).isSameAs(built);
        assertThat(rule.pool().endpoints()).extracting(Endpoint::key).containsExactly("10.0.1.1:8080");
    }

    @Test
    void holderPublishesWholeTablesAndTellsListenersOldAndNew() {
        RouteTableHolder holder = new RouteTableHolder();
        List<String> swaps = new ArrayList<>();
        holder.onSwap((old, fresh) -> swaps.add(old.version() + "->" + fresh.version()));
        assertThat(holder.loaded()).isFalse();
        assertThat(holder.current().routes()).isEmpty();

        RouteTable one = new TableBuilder(SERVICES, TlsResolver.NONE).build(1, List.of(), p -> {
        });
        RouteTable two = new TableBuilder(SERVICES, TlsResolver.NONE).build(2, List.of(), p -> {
        });
        holder.publish(one);
        holder.publish(two);

        assertThat(holder.loaded()).isTrue();
        assertThat(holder.current()).isSameAs(two);
        assertThat(swaps).containsExactly("0->1", "1->2");
    }
    @Test
    void anEndpointChangeRecompilesOnlyTheRoutesOfThatService() throws Exception {
        RouteValidator v = new RouteValidator(RouteValidator.Source.CLUSTER);
        YAMLMapper yaml = YAMLMapper.builder().build();
        Route chat = v.validate(new RouteId("apps", "chat"), yaml.readValue(
                "rules: [{backends: [{service: {name: chat, port: 8080}}]}]", WebSocketRouteSpec.class)).route();
        Route games = v.validate(new RouteId("apps", "games"), yaml.readValue(
                "rules: [{backends: [{service: {name: games, port: 8080}}]}]", WebSocketRouteSpec.class)).route();
        java.util.Map<String, List<Backend.HostPort>> pods = new java.util.HashMap<>(java.util.Map.of(
                "chat", List.of(new Backend.HostPort("10.0.0.1", 8080)),
                "games", List.of(new Backend.HostPort("10.0.9.1", 8080))));
        TableBuilder builder = new TableBuilder((route, backend) -> pods.get(backend.service().name()), TlsResolver.NONE);
        RouteTable first = builder.build(1, List.of(chat, games), p -> {
        });

        pods.put("games", List.of(new Backend.HostPort("10.0.9.1", 8080), new Backend.HostPort("10.0.9.2", 8080)));
        RouteTable second = builder.build(2, List.of(chat, games), p -> {
        }, first);

        assertThat(second.route(chat.id())).as("untouched route carried over, pools and all").isSameAs(first.route(chat.id()));
        assertThat(second.route(games.id())).isNotSameAs(first.route(games.id()));
        assertThat(second.route(games.id()).rules().get(0).pool().endpoints()).extracting(Endpoint::key)
                .containsExactly("10.0.9.1:8080", "10.0.9.2:8080");
        assertThat(second.matchUpgrade(new RequestView() {
            public String host() { return ""; }
            public String path() { return "/"; }
            public String header(String n) { return null; }
            public String queryParam(String n) { return null; }
            public List<String> subprotocols() { return List.of(); }
        }).key().route()).isEqualTo(chat.id());
    }
}

package dev.wsroute.standalone;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import dev.wsroute.model.Backend;
import dev.wsroute.model.Lifecycle;
import dev.wsroute.model.LoadBalancing;
import dev.wsroute.model.Match;
import dev.wsroute.model.Rewrite;
import dev.wsroute.model.Route;
import dev.wsroute.model.Rule;
import dev.wsroute.table.CompiledRoute;
import dev.wsroute.table.CompiledRule;
import dev.wsroute.table.Endpoint;
import dev.wsroute.table.Pool;
import dev.wsroute.table.RouteTable;
import dev.wsroute.tls.TlsProblem;

/**
 * Renders what the standalone translation made of a routes file as deterministic YAML, for golden files: the
 * errors of an invalid file, or the table of a valid one. Secret documents appear by name only: key material
 * never reaches a golden file.
 */
final class StandaloneSummary {
    private static final ObjectMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .build();

    private StandaloneSummary() {
    }

    static String render(RoutesDocuments.Parsed parsed, RouteTable table, List<TlsProblem> problems) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (!parsed.valid()) {
            out.put("valid", false);
            out.put("errors", parsed.errors());
            return write(out);
        }
        out.put("valid", true);
        out.put("version", table.version());
        List<Object> routes = new ArrayList<>();
        for (CompiledRoute r : table.routes()) {
            routes.add(route(r));
        }
        out.put("routes", routes);
        List<String> secrets = parsed.secrets().stream().map(StandaloneSummary::secretName).sorted().toList();
        putNonEmpty(out, "secrets", secrets);
        List<String> problemLines = problems.stream()
                .sorted(Comparator.comparing(TlsProblem::route).thenComparing(TlsProblem::reason)
                        .thenComparing(TlsProblem::message))
                .map(p -> p.route() + ": " + p.reason() + ": " + p.message())
                .toList();
        putNonEmpty(out, "problems", problemLines);
        return write(out);
    }

    private static Map<String, Object> route(CompiledRoute compiled) {
        Route route = compiled.route();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", route.id().toString());
        m.put("hosts", route.hosts().isEmpty() ? "any" : route.hosts());
        route.tls().ifPresent(t -> {
            Map<String, Object> tls = new LinkedHashMap<>();
            putNonNull(tls, "secretName", t.secretName());
            putNonNull(tls, "certFile", t.certFile());
            putNonNull(tls, "keyFile", t.keyFile());
            if (t.redirect()) {
                tls.put("redirect", true);
            }
            m.put("tls", tls);
        });
        List<Object> rules = new ArrayList<>();
        for (CompiledRule rule : compiled.rules()) {
            rules.add(rule(rule));
        }
        putNonEmpty(m, "rules", rules);
        if (compiled.http() != null) {
            m.put("http", pool(compiled.http()));
        }
        m.put("endpointKeys", compiled.endpointKeys().stream().sorted().toList());
        return m;
    }

    private static Map<String, Object> rule(CompiledRule compiled) {
        Rule rule = compiled.rule();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", compiled.key().toString());
        putNonNull(m, "name", rule.name());
        m.put("match", match(rule.match()));
        Map<String, Object> rewrite = rewrite(rule.rewrite());
        putNonEmpty(m, "rewrite", rewrite);
        rule.upstreamTls().ifPresent(t -> {
            Map<String, Object> tls = new LinkedHashMap<>();
            putNonNull(tls, "caSecretName", t.caSecretName());
            putNonNull(tls, "caFile", t.caFile());
            putNonNull(tls, "sni", t.sni());
            tls.put("insecureSkipVerify", t.insecureSkipVerify());
            tls.put("built", compiled.upstreamTls() != null);
            m.put("upstreamTLS", tls);
        });
        putNonEmpty(m, "allowedOrigins", rule.allowedOrigins());
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("maxConnections", rule.maxConnections());
        limits.put("handshake", duration(rule.handshakeTimeout()));
        limits.put("idle", duration(rule.idleTimeout()));
        m.put("limits", limits);
        putNonEmpty(m, "lifecycle", lifecycle(rule.lifecycle()));
        m.put("pool", pool(compiled.pool()));
        return m;
    }

    private static Map<String, Object> lifecycle(Lifecycle l) {
        Map<String, Object> m = new LinkedHashMap<>();
        l.maxDuration().ifPresent(d -> m.put("maxDuration", duration(d)));
        l.maxMessageSize().ifPresent(n -> m.put("maxMessageSize", n));
        l.handshakesPerClient().ifPresent(n -> m.put("handshakesPerClient", n));
        l.activeCheck().ifPresent(a -> m.put("activeCheck", a.type() + (a.path() != null ? " " + a.path() : "") + " every "
                + duration(a.interval()) + " timeout " + duration(a.timeout()) + ", healthy after " + a.healthyThreshold()
                + ", unhealthy after " + a.unhealthyThreshold()));
        l.passiveCheck().ifPresent(p -> m.put("passiveCheck", "eject after " + p.consecutiveFailures() + " failures for "
                + duration(p.baseEjectionTime()) + " (doubling), at most " + p.maxEjectionPercent() + "% of the pool"));
        l.rebalance().ifPresent(r -> m.put("rebalance", "tolerance " + r.tolerance() + "%, at most " + r.maxClosesPerSecond()
                + " closes/s"));
        return m;
    }

    private static Object match(Match match) {
        if (match.equals(Match.ANY)) {
            return "any";
        }
        Map<String, Object> m = new LinkedHashMap<>();
        if (match.path() != null) {
            m.put("path", match.path().kind() + " " + match.path().value());
        }
        putNonEmpty(m, "headers", match.headers().stream().map(StandaloneSummary::valueMatch).toList());
        putNonEmpty(m, "queryParams", match.queryParams().stream().map(StandaloneSummary::valueMatch).toList());
        putNonEmpty(m, "subprotocols", match.subprotocols());
        return m;
    }

    private static String valueMatch(Match.ValueMatch v) {
        return v.name() + (v.regex() != null ? " ~ " + v.regex().pattern() : " = " + v.value());
    }

    private static Map<String, Object> rewrite(Rewrite r) {
        Map<String, Object> m = new LinkedHashMap<>();
        putNonNull(m, "replacePrefixMatch", r.replacePrefixMatch());
        putNonNull(m, "replaceFullPath", r.replaceFullPath());
        putNonNull(m, "hostname", r.hostname());
        putNonEmpty(m, "setHeaders", r.setHeaders().stream().map(h -> h.name() + ": " + h.value()).toList());
        putNonEmpty(m, "removeHeaders", r.removeHeaders());
        return m;
    }

    private static Map<String, Object> pool(Pool pool) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("policy", policy(pool.policy()));
        List<Object> endpoints = new ArrayList<>();
        for (Endpoint e : pool.endpoints()) {
            Map<String, Object> em = new LinkedHashMap<>();
            em.put("key", e.key());
            em.put("weight", Math.round(e.weight() * 10_000) / 10_000.0);
            endpoints.add(em);
        }
        m.put("endpoints", endpoints);
        return m;
    }

    private static String policy(LoadBalancing lb) {
        LoadBalancing.HashOn h = lb.hashOn();
        if (h == null) {
            return lb.policy().name();
        }
        return lb.policy() + " on " + h.source() + (h.name() != null ? " " + h.name() : "");
    }

    /** Kubernetes style, as users write it: 1h30m, 10s, 500ms. */
    static String duration(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        long h = d.toHours();
        int min = d.toMinutesPart();
        int s = d.toSecondsPart();
        int ms = d.toMillisPart();
        if (h > 0) {
            sb.append(h).append('h');
        }
        if (min > 0) {
            sb.append(min).append('m');
        }
        if (s > 0) {
            sb.append(s).append('s');
        }
        if (ms > 0) {
            sb.append(ms).append("ms");
        }
        return sb.toString();
    }

    private static String secretName(JsonNode secret) {
        JsonNode meta = secret.path("metadata");
        return meta.path("namespace").asText("default") + "/" + meta.path("name").asText("") + " ("
                + secret.path("type").asText("no type") + ")";
    }

    private static void putNonNull(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    private static void putNonEmpty(Map<String, Object> m, String key, List<?> value) {
        if (!value.isEmpty()) {
            m.put(key, value);
        }
    }

    private static void putNonEmpty(Map<String, Object> m, String key, Map<?, ?> value) {
        if (!value.isEmpty()) {
            m.put(key, value);
        }
    }

    private static String write(Object tree) {
        try {
            return YAML.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

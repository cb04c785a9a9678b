package dev.wsroute.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

import dev.wsroute.api.BackendSpec;
import dev.wsroute.api.HashOnSpec;
import dev.wsroute.api.HeaderSpec;
import dev.wsroute.api.LoadBalancerSpec;
import dev.wsroute.api.MatchSpec;
import dev.wsroute.api.PathMatchSpec;
import dev.wsroute.api.RewriteSpec;
import dev.wsroute.api.RuleSpec;
import dev.wsroute.api.TimeoutsSpec;
import dev.wsroute.api.UpstreamTlsSpec;
import dev.wsroute.api.ValueMatchSpec;
import dev.wsroute.api.WebSocketRouteSpec;
import dev.wsroute.http.HttpChars;
import dev.wsroute.model.Backend.HostPort;
import dev.wsroute.model.Backend.ServiceRef;
import dev.wsroute.model.LoadBalancing.HashOn;
import dev.wsroute.model.Match.PathKind;
import dev.wsroute.model.Match.PathMatch;
import dev.wsroute.model.Match.ValueMatch;

/**
 * Turns a user's {@link WebSocketRouteSpec} into a {@link Route}, or into the list of fields that are wrong.
 * Pure: no I/O, so the routes file, the operator and the tests share it.
 */
public final class RouteValidator {

    private static final Pattern HOST = Pattern.compile("(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** A rule's name: a DNS-1123 label, as Gateway API's HTTPRouteRule name. */
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    /** Longest header value or match value a route may set or compare (a request head is at most 16K anyway). */
    static final int MAX_VALUE_LENGTH = 8192;
    /** Longest regular expression (RE2 compiles in time and memory linear in the pattern). */
    static final int MAX_REGEX_LENGTH = 4096;

    /** Whether static endpoints are allowed (standalone mode) and Services are resolvable (cluster modes). */
    public enum Source { FILE, CLUSTER }

    /** The outcome: a route when {@code errors} is empty. */
    public record Result(Route route, List<FieldError> errors) {
        public boolean valid() {
            return errors.isEmpty();
        }
    }

    private final Source source;

    public RouteValidator(Source source) {
        this.source = source;
    }

    public Result validate(RouteId id, WebSocketRouteSpec spec) {
        Errors e = new Errors();
        if (spec == null) {
            e.add("spec", "is required");
            return new Result(null, e.list);
        }
        List<String> hosts = hosts(spec.hosts, e);
        Optional<Route.TlsRef> tls = Optional.empty();
        if (spec.tls != null) {
            boolean files = spec.tls.certFile != null || spec.tls.keyFile != null;
            if (files && source != Source.FILE) {
                e.add("spec.tls.certFile", "PEM files are for standalone mode only; use secretName");
            } else if (files && (spec.tls.certFile == null || spec.tls.keyFile == null)) {
                e.add("spec.tls", "certFile and keyFile go together");
            } else if (files && spec.tls.secretName != null) {
                e.add("spec.tls", "give secretName or certFile/keyFile, not both");
            } else if (!files && blank(spec.tls.secretName)) {
                e.add("spec.tls.secretName", "is required");
            }
            tls = Optional.of(new Route.TlsRef(spec.tls.secretName, spec.tls.certFile, spec.tls.keyFile,
                    Boolean.TRUE.equals(spec.tls.redirect)));
        }
        List<Rule> rules = new ArrayList<>();
        List<RuleSpec> ruleSpecs = spec.rules == null ? List.of() : spec.rules;
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < ruleSpecs.size(); i++) {
            Rule r = rule(i, ruleSpecs.get(i), "spec.rules[" + i + "]", e);
            if (r != null) {
                rules.add(r);
            }
            String name = ruleSpecs.get(i) == null ? null : ruleSpecs.get(i).name;
            Integer first = name == null ? null : names.putIfAbsent(name, i);
            if (first != null) { // a name is the rule's identity: two rules can't share one
                e.add("spec.rules[" + i + "].name", "'" + name + "' is already the name of spec.rules[" + first + "]");
            }
        }
        List<Backend> http = spec.http == null ? List.of() : backends(spec.http.backends, "spec.http.backends", true, e);
        if (rules.isEmpty() && http.isEmpty() && e.list.isEmpty()) {
            e.add("spec", "needs at least one rule or http backend");
        }
        return e.list.isEmpty() ? new Result(new Route(id, hosts, tls, rules, http), List.of()) : new Result(null, e.list);
    }

    private List<String> hosts(List<String> hosts, Errors e) {
        List<String> out = new ArrayList<>();
        if (hosts == null) {
            return out;
        }
        for (int i = 0; i < hosts.size(); i++) {
            String h = hosts.get(i) == null ? "" : hosts.get(i).toLowerCase(Locale.ROOT);
            if (!hostName(hosts.get(i), true)) {
                e.add("spec.hosts[" + i + "]", "'" + hosts.get(i) + "' is not a host name (a leading '*.' is the only wildcard)");
            } else if (!out.contains(h)) {
                out.add(h);
            }
        }
        return out;
    }

    private Rule rule(int index, RuleSpec spec, String at, Errors e) {
        if (spec == null) {
            e.add(at, "is empty");
            return null;
        }
        int before = e.list.size();
        if (spec.name != null && (spec.name.length() > 63 || !DNS_LABEL.matcher(spec.name).matches())) {
            e.add(at + ".name", "'" + spec.name + "' is not a DNS label (lower case letters, digits and '-', at most 63)");
        }
        String name = spec.name;
        Match match = match(spec.match, at + ".match", e);
        Rewrite rewrite = rewrite(spec.rewrite, match, at + ".rewrite", e);
        List<Backend> backends = backends(spec.backends, at + ".backends", false, e);
        Optional<Rule.UpstreamTls> upstreamTls = upstreamTls(spec.upstreamTLS, at + ".upstreamTLS", e);
        LoadBalancing lb = loadBalancing(spec.loadBalancer, at + ".loadBalancer", e);
        List<String> origins = new ArrayList<>();
        if (spec.allowedOrigins != null) {
            for (int i = 0; i < spec.allowedOrigins.size(); i++) {
                String o = spec.allowedOrigins.get(i);
                if (blank(o)) {
                    e.add(at + ".allowedOrigins[" + i + "]", "is empty");
                } else if (o.length() > MAX_VALUE_LENGTH || !HttpChars.isSafeFieldValue(o)) {
                    e.add(at + ".allowedOrigins[" + i + "]", "must not hold control characters");
                } else {
                    origins.add(o.toLowerCase(Locale.ROOT));
                }
            }
        }
        int maxConnections = Rule.DEFAULT_MAX_CONNECTIONS;
        if (spec.maxConnections != null) {
            if (spec.maxConnections < 1) {
                e.add(at + ".maxConnections", "must be at least 1");
            }
            maxConnections = spec.maxConnections;
        }
        TimeoutsSpec t = spec.timeouts;
        Duration handshake = duration(t == null ? null : t.handshake, Rule.DEFAULT_HANDSHAKE_TIMEOUT, at + ".timeouts.handshake", e);
        Duration idle = duration(t == null ? null : t.idle, Rule.DEFAULT_IDLE_TIMEOUT, at + ".timeouts.idle", e);
        Lifecycle lifecycle = LifecycleValidator.validate(spec, at, e.list);
        if (e.list.size() > before) {
            return null;
        }
        return new Rule(index, name, match, rewrite, backends, upstreamTls, lb, origins, maxConnections, handshake, idle, lifecycle);
    }

    private Match match(MatchSpec spec, String at, Errors e) {
        if (spec == null) {
            return Match.ANY;
        }
        PathMatch path = null;
        if (spec.path != null) {
            PathKind kind = spec.path.type == null ? PathKind.Prefix : PathKind.valueOf(spec.path.type.name());
            String value = spec.path.value;
            if (blank(value)) {
                e.add(at + ".path.value", "is required");
            } else if (kind == PathKind.RegularExpression) {
                path = new PathMatch(kind, value, regex(value, at + ".path.value", e));
            } else if (!HttpChars.isAbsolutePath(value)) {
                e.add(at + ".path.value", pathProblem(value));
            } else {
                path = new PathMatch(kind, value, null);
            }
        }
        List<ValueMatch> headers = valueMatches(spec.headers, at + ".headers", true, e);
        List<ValueMatch> query = valueMatches(spec.queryParams, at + ".queryParams", false, e);
        List<String> subprotocols = new ArrayList<>();
        if (spec.subprotocols != null) {
            for (int i = 0; i < spec.subprotocols.size(); i++) {
                String p = spec.subprotocols.get(i);
                if (!HttpChars.isToken(p)) {
                    e.add(at + ".subprotocols[" + i + "]", "'" + p + "' is not a subprotocol token");
                } else {
                    subprotocols.add(p);
                }
            }
        }
        return new Match(path, headers, query, subprotocols);
    }

    private List<ValueMatch> valueMatches(List<ValueMatchSpec> specs, String at, boolean header, Errors e) {
        List<ValueMatch> out = new ArrayList<>();
        if (specs == null) {
            return out;
        }
        for (int i = 0; i < specs.size(); i++) {
            ValueMatchSpec s = specs.get(i);
            String here = at + "[" + i + "]";
            if (s == null || blank(s.name) || (header ? !HttpChars.isToken(s.name) : !HttpChars.isSafeFieldValue(s.name))) {
                e.add(here + ".name", "is required and must be a " + (header ? "header" : "parameter") + " name");
                continue;
            }
            if (s.value == null) {
                e.add(here + ".value", "is required");
                continue;
            }
            boolean isRegex = s.type == ValueMatchSpec.ValueMatchType.RegularExpression;
            if (!isRegex && (s.value.length() > MAX_VALUE_LENGTH || !HttpChars.isSafeFieldValue(s.value))) {
                e.add(here + ".value", "must not hold control characters and be at most " + MAX_VALUE_LENGTH + " characters");
                continue;
            }
            Pattern regex = isRegex ? regex(s.value, here + ".value", e) : null;
            out.add(new ValueMatch(header ? s.name.toLowerCase(Locale.ROOT) : s.name, s.value, regex));
        }
        return out;
    }

    private Rewrite rewrite(RewriteSpec spec, Match match, String at, Errors e) {
        if (spec == null) {
            return Rewrite.NONE;
        }
        String prefix = null;
        String full = null;
        if (spec.path != null) {
            prefix = spec.path.replacePrefixMatch;
            full = spec.path.replaceFullPath;
            if (prefix != null && full != null) {
                e.add(at + ".path", "replacePrefixMatch and replaceFullPath are mutually exclusive");
            } else if (prefix == null && full == null) {
                e.add(at + ".path", "needs replacePrefixMatch or replaceFullPath");
            } else if (prefix != null && (match.path() == null || match.path().kind() != PathKind.Prefix)) {
                e.add(at + ".path.replacePrefixMatch", "needs a Prefix path match");
            } else if ((prefix != null && !prefix.startsWith("/")) || (full != null && !full.startsWith("/"))) {
                e.add(at + ".path", "the replacement must start with '/'");
            } else if (prefix != null && !HttpChars.isAbsolutePath(prefix)) {
                e.add(at + ".path.replacePrefixMatch", pathProblem(prefix));
            } else if (full != null && !HttpChars.isAbsolutePath(full)) {
                e.add(at + ".path.replaceFullPath", pathProblem(full));
            }
        }
        if (spec.hostname != null && !hostName(spec.hostname, false)) {
            e.add(at + ".hostname", "'" + spec.hostname + "' is not a host name");
        }
        List<Rewrite.Header> set = new ArrayList<>();
        if (spec.setHeaders != null) {
            for (int i = 0; i < spec.setHeaders.size(); i++) {
                HeaderSpec h = spec.setHeaders.get(i);
                if (h == null || !HttpChars.isToken(h.name)) {
                    e.add(at + ".setHeaders[" + i + "].name", "is required and must be a header name");
                } else if (h.value == null || h.value.length() > MAX_VALUE_LENGTH || !HttpChars.isSafeFieldValue(h.value)) {
                    e.add(at + ".setHeaders[" + i + "].value", "is required, must not hold control characters and be at most "
                            + MAX_VALUE_LENGTH + " characters");
                } else {
                    set.add(new Rewrite.Header(h.name, h.value));
                }
            }
        }
        List<String> remove = new ArrayList<>();
        if (spec.removeHeaders != null) {
            for (int i = 0; i < spec.removeHeaders.size(); i++) {
                String h = spec.removeHeaders.get(i);
                if (!HttpChars.isToken(h)) {
                    e.add(at + ".removeHeaders[" + i + "]", "must be a header name");
                } else {
                    remove.add(h);
                }
            }
        }
        return new Rewrite(prefix, full, spec.hostname, set, remove);
    }

    private List<Backend> backends(List<BackendSpec> specs, String at, boolean optional, Errors e) {
        List<Backend> out = new ArrayList<>();
        if (specs == null || specs.isEmpty()) {
            if (!optional) {
                e.add(at, "needs at least one backend");
            }
            return out;
        }
        for (int i = 0; i < specs.size(); i++) {
            BackendSpec b = specs.get(i);
            String here = at + "[" + i + "]";
            if (b == null) {
                e.add(here, "is empty");
                continue;
            }
            int weight = b.weight == null ? 1 : b.weight;
            if (weight < 0 || weight > 1_000_000) {
                e.add(here + ".weight", "must be between 0 and 1000000");
            }
            boolean hasEndpoints = b.endpoints != null; // as the CRD's CEL rule: `endpoints: []` is an empty pool (503)
            if ((b.service == null) == !hasEndpoints) {
                e.add(here, "needs exactly one of service or endpoints");
                continue;
            }
            if (b.service != null) {
                if (blank(b.service.name)) {
                    e.add(here + ".service.name", "is required");
                } else if (b.service.port == null) {
                    e.add(here + ".service.port", "is required");
                } else if (b.service.port.number() != null && (b.service.port.number() < 1 || b.service.port.number() > 65535)) {
                    e.add(here + ".service.port", "must be between 1 and 65535");
                } else {
                    out.add(new Backend(new ServiceRef(b.service.name, b.service.port), List.of(), weight));
                }
                continue;
            }
            if (source != Source.FILE) {
                e.add(here + ".endpoints", "static endpoints are for standalone mode only; use service");
                continue;
            }
            List<HostPort> endpoints = new ArrayList<>();
            for (int j = 0; j < b.endpoints.size(); j++) {
                HostPort hp = hostPort(b.endpoints.get(j));
                if (hp == null) {
                    e.add(here + ".endpoints[" + j + "]", "'" + b.endpoints.get(j) + "' is not host:port");
                } else {
                    endpoints.add(hp);
                }
            }
            out.add(new Backend(null, endpoints, weight));
        }
        return out;
    }

    /** Parses host:port or [v6]:port. */
    static HostPort hostPort(String s) {
        if (s == null) {
            return null;
        }
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            return null;
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            return port >= 1 && port <= 65535 && !host.isEmpty() ? new HostPort(host, port) : null;
        } catch (NumberFormatException ex) {
            return null;
        }
    }

    private Optional<Rule.UpstreamTls> upstreamTls(UpstreamTlsSpec spec, String at, Errors e) {
        if (spec == null || !Boolean.TRUE.equals(spec.enabled)) {
            return Optional.empty();
        }
        boolean insecure = Boolean.TRUE.equals(spec.insecureSkipVerify);
        if (insecure && (spec.caSecretName != null || spec.caFile != null)) {
            e.add(at + ".insecureSkipVerify", "cannot be combined with a CA");
        }
        if (spec.caFile != null && source != Source.FILE) {
            e.add(at + ".caFile", "is for standalone mode only; use caSecretName");
        }
        if (spec.sni != null && !hostName(spec.sni, false)) {
            e.add(at + ".sni", "'" + spec.sni + "' is not a host name");
        }
        return Optional.of(new Rule.UpstreamTls(spec.caSecretName, spec.caFile, spec.sni, insecure));
    }

    private LoadBalancing loadBalancing(LoadBalancerSpec spec, String at, Errors e) {
        if (spec == null || spec.policy == null) {
            if (spec != null && spec.hashOn != null) {
                e.add(at + ".hashOn", "needs policy ConsistentHash");
            }
            return LoadBalancing.DEFAULT;
        }
        LoadBalancing.Policy policy = LoadBalancing.Policy.valueOf(spec.policy.name());
        if (policy != LoadBalancing.Policy.ConsistentHash) {
            if (spec.hashOn != null) {
                e.add(at + ".hashOn", "needs policy ConsistentHash");
            }
            return new LoadBalancing(policy, null);
        }
        HashOnSpec h = spec.hashOn;
        List<HashOn> set = new ArrayList<>();
        if (h != null) {
            if (!blank(h.header)) {
                set.add(new HashOn(HashOn.Source.header, h.header.toLowerCase(Locale.ROOT)));
            }
            if (!blank(h.cookie)) {
                set.add(new HashOn(HashOn.Source.cookie, h.cookie));
            }
            if (!blank(h.queryParam)) {
                set.add(new HashOn(HashOn.Source.queryParam, h.queryParam));
            }
            if (Boolean.TRUE.equals(h.sourceIP)) {
                set.add(new HashOn(HashOn.Source.sourceIP, null));
            }
        }
        if (set.size() != 1) {
            e.add(at + ".hashOn", "ConsistentHash needs exactly one of header, cookie, queryParam or sourceIP");
            return null;
        }
        return new LoadBalancing(policy, set.get(0));
    }

    private static Duration duration(String text, Duration fallback, String at, Errors e) {
        if (text == null) {
            return fallback;
        }
        try {
            Duration d = DurationParser.parse(text);
            if (d.isZero()) {
                e.add(at, "must be more than zero");
            }
            return d;
        } catch (IllegalArgumentException ex) {
            e.add(at, ex.getMessage());
            return fallback;
        }
    }

    /**
     * Compiles with RE2/J: matching takes time linear in the input, whatever the pattern. What RE2 cannot
     * express in linear time (backreferences, lookaround, possessive quantifiers) is refused here, naming the field.
     */
    private static Pattern regex(String value, String at, Errors e) {
        if (value.length() > MAX_REGEX_LENGTH) {
            e.add(at, "regular expression longer than " + MAX_REGEX_LENGTH + " characters");
            return null;
        }
        try {
            return Pattern.compile(value);
        } catch (PatternSyntaxException ex) {
            e.add(at, "invalid regular expression (RE2 syntax: no backreferences or lookaround): " + ex.getDescription());
            return null;
        }
    }

    /**
     * A DNS name (a leading "*." where allowed) checked as written: ASCII only, so that no Unicode case folding
     * (the Kelvin sign lower-cases to 'k') slips a non-ASCII name past the check into a header.
     */
    private static boolean hostName(String name, boolean wildcard) {
        if (name == null || name.length() > 253 || (!wildcard && name.startsWith("*."))) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) > 0x7e) {
                return false;
            }
        }
        return HOST.matcher(name.toLowerCase(Locale.ROOT)).matches();
    }

    private static String pathProblem(String path) {
        return path.startsWith("/") ? "must be a plain absolute path: no control characters, spaces, '?', '#', '.' or '..' "
                + "segments, and '%' only in a valid %XX escape" : "must start with '/'";
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static final class Errors {
        final List<FieldError> list = new ArrayList<>();

        void add(String field, String message) {
            list.add(new FieldError(field, message));
        }
    }
}

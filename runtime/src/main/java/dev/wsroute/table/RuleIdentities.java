package dev.wsroute.table;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.wsroute.model.Match;
import dev.wsroute.model.Match.ValueMatch;
import dev.wsroute.model.Rule;

/**
 * What tells a route's rules apart across edits: a rule's name when it has one (unique in its route, the validator
 * sees to that), else its match in a canonical form (headers, query parameters and subprotocols sorted: their order
 * does not change what matches) and, for rules with the same match, which of them it is in order. So inserting,
 * removing or reordering other rules, or editing what a rule does (backends, rewrite, timeouts, balancer...), keeps
 * its identity; changing its name or its match makes it another rule.
 */
public final class RuleIdentities {
    private static final String NAME = "name ";
    private RuleIdentities() {
    }

    /** The identities of {@code rules}, in their order. */
    public static List<String> of(List<Rule> rules) {
        List<String> out = new ArrayList<>(rules.size());
        Map<String, Integer> seen = new HashMap<>();
        for (Rule rule : rules) {
            if (rule.name() != null) {
                out.add(named(rule.name()));
            } else {
                String match = canonical(rule.match());
                int occurrence = seen.merge(match, 1, Integer::sum) - 1;
                out.add("match " + occurrence + " " + match);
            }
        }
        return out;
    }

    /** The identity of a rule named {@code name}. */
    public static String named(String name) {
        return NAME + name; // a DNS label has no space: never equal to a match's form
    }

    /** The rule's name if the identity is a name's, else null (a rule known by its match). */
    static String nameOf(String identity) {
        return identity.startsWith(NAME) ? identity.substring(NAME.length()) : null;
    }

    /** The match as quoted strings: unambiguous whatever the values hold. */
    static String canonical(Match m) {
        StringBuilder s = new StringBuilder();
        if (m.path() != null) {
            s.append("path ").append(m.path().kind()).append(' ').append(quoted(m.path().value()));
        }
        for (String v : sorted(m.headers())) {
            s.append(" header ").append(v);
        }
        for (String v : sorted(m.queryParams())) {
            s.append(" query ").append(v);
        }
        m.subprotocols().stream().distinct().sorted().forEach(p -> s.append(" subprotocol ").append(quoted(p)));
        return s.toString();
    }

    private static List<String> sorted(List<ValueMatch> values) {
        return values.stream()
                .map(v -> quoted(v.name()) + (v.regex() != null ? " RegularExpression " : " Exact ") + quoted(v.value()))
                .sorted(Comparator.naturalOrder()).toList();
    }

    private static String quoted(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}

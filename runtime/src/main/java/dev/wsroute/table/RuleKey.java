package dev.wsroute.table;

import java.util.Objects;

import dev.wsroute.model.RouteId;

/**
 * A rule's identity across reloads: its route and {@link RuleIdentities its identity} there (its name, or its match).
 * Health, ejections, connection counts and the rebalancer's memory are kept per key, and an open socket drains when
 * a new table no longer has its key, so inserting, removing or reordering rules leaves every other rule's state where
 * it was.
 *
 * @param identity what tells the rule apart from the route's others; not for display (it holds match values)
 * @param index the rule's position in the table that made this key: for messages and status only, and not part
 *        of equality (an equal key from a later table may have another position)
 */
public record RuleKey(RouteId route, String identity, int index) implements PoolId {

    public RuleKey {
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(identity, "identity");
    }

    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof RuleKey k && route.equals(k.route) && identity.equals(k.identity);
    }

    @Override
    public int hashCode() {
        return 31 * route.hashCode() + identity.hashCode();
    }

    /**
     * The rule as log lines and Events name it: {@code rule "chat" (rules[2])} when it has a name, else
     * {@code rules[2]}; never by its match, whose values the status page hides too.
     */
    public String label() {
        String name = RuleIdentities.nameOf(identity);
        return name != null ? "rule \"" + name + "\" (rules[" + index + "])" : "rules[" + index + "]";
    }

    /** The route and {@link #label}: {@code default/chat rule "chat" (rules[2])}, {@code default/chat rules[0]}. */
    @Override
    public String toString() {
        return route + " " + label();
    }
}

package dev.wsroute.table;

import static dev.wsroute.table.RouteTableMatchingTest.route;
import static dev.wsroute.table.RouteTableMatchingTest.table;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** A rule's key across tables: the same for the same name or match, whatever moves around it. */
class RuleIdentityTest {

    private static List<PoolId> keys(String... rules) {
        return table(route("r", "", rules)).routes().get(0).rules().stream().map(CompiledRule::key).toList();
    }

    private static final String A = "match: {path: {value: /a}}";
    private static final String B = "match: {path: {value: /b}, headers: [{name: X-Team, value: blue}, {name: X-Env, value: prod}]}";
    private static final String C = "match: {path: {value: /c}}";

    @Test
    void aRuleInsertedAboveOthersLeavesTheirKeysAsTheyWere() {
        List<PoolId> before = keys(A, B);
        List<PoolId> after = keys(C, A, B);

        assertThat(after.subList(1, 3)).isEqualTo(before);
        assertThat(after.get(0)).isNotIn(before);
        assertThat(((RuleKey) after.get(1)).index()).as("the position moves, for status and messages").isEqualTo(1);
    }

    @Test
    void reorderingKeepsEachRulesKey() {
        List<PoolId> before = keys(A, B, C);
        List<PoolId> after = keys(C, B, A);

        assertThat(after).containsExactly(before.get(2), before.get(1), before.get(0));
    }

    @Test
    void editsOfWhatARuleDoesKeepItsKeyAndTheOrderOfItsHeaderMatchesDoesNotMatter() {
        PoolId before = keys(B).get(0);
        PoolId after = keys("match: {path: {value: /b}, headers: [{name: x-env, value: prod}, {name: X-Team, value: blue}]}"
                + ", maxConnections: 5, timeouts: {idle: 1m}, loadBalancer: {policy: RoundRobin}"
                + ", rewrite: {setHeaders: [{name: X-A, value: '1'}]}").get(0);

        assertThat(after).isEqualTo(before);
    }

    @Test
    void anotherMatchIsAnotherRule() {
        PoolId b = keys(B).get(0);

        assertThat(keys("match: {path: {value: /b}, headers: [{name: X-Team, value: red}, {name: X-Env, value: prod}]}").get(0))
                .as("another header value").isNotEqualTo(b);
        assertThat(keys("match: {path: {type: Exact, value: /b}, headers: [{name: X-Team, value: blue}, {name: X-Env, value: prod}]}")
                .get(0)).as("another path type").isNotEqualTo(b);
        assertThat(keys("match: {path: {value: /b}, headers: [{name: X-Team, value: blue}, {name: X-Env, value: prod}]"
                + ", queryParams: [{name: v, value: '2'}]}").get(0)).as("a query parameter more").isNotEqualTo(b);
        assertThat(keys("match: {path: {value: /b}, headers: [{name: X-Team, type: RegularExpression, value: blue},"
                + " {name: X-Env, value: prod}]}").get(0)).as("a regular expression is not an exact value").isNotEqualTo(b);
    }

    @Test
    void rulesWithTheSameMatchAreToldApartByOrder() {
        List<PoolId> twins = keys(A, A);

        assertThat(twins.get(0)).isNotEqualTo(twins.get(1));
        assertThat(keys(C, A, A).subList(1, 3)).isEqualTo(twins);
    }

    @Test
    void aNamedRuleIsKnownByItsNameWhateverItsMatch() {
        PoolId named = keys("name: chat, " + A).get(0);

        assertThat(keys(C, "name: chat, " + B).get(1)).as("same name, another match and place").isEqualTo(named);
        assertThat(keys("name: talk, " + A).get(0)).as("renamed").isNotEqualTo(named);
        assertThat(keys(A).get(0)).as("unnamed").isNotEqualTo(named);
    }

    @Test
    void messagesNameARuleByItsNameWhenItHasOneAndNeverByItsMatchValues() {
        List<PoolId> rules = keys(B, "name: chat, " + A);

        assertThat(rules.get(1)).hasToString("default/r rule \"chat\" (rules[1])");
        assertThat(rules.get(0)).hasToString("default/r rules[0]");
        assertThat(((RuleKey) rules.get(0)).label()).isEqualTo("rules[0]").doesNotContain("blue");
    }

    @Test
    void aTableHasAPoolWhileARuleOfItsIdentityIsThere() {
        RuleKey a = (RuleKey) keys(A, B).get(0);

        assertThat(table(route("r", "", C, A)).has(a)).isTrue();
        assertThat(table(route("r", "", C, B)).has(a)).as("/a is gone; /c took its place").isFalse();
    }
}

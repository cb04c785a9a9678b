package dev.wsroute.lifecycle;

import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import io.micrometer.core.instrument.Counter;

/** What the lifecycle end-to-end tests share: a route with one rule and metrics lookups. */
public final class LifecycleFixture {
    private LifecycleFixture() {
    }

    static ProxyHarness proxy() throws InterruptedException {
        return new ProxyHarness(TestConfig.wsroute("wsroute.drain.period", "300ms"));
    }

    /** A route "chat" in default with one rule on /ws: {@code ruleBody} holds its lifecycle fields (YAML, 2-space indented). */
    public static String route(String ruleBody, String... endpoints) {
        return """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: chat, namespace: default}
                spec:
                  rules:
                    - match: {path: {value: /ws}}
                      backends: [{endpoints: [%s]}]
                %s
                """.formatted("\"" + String.join("\", \"", endpoints) + "\"", ruleBody.indent(6));
    }

    static double counter(ProxyHarness px, String name, String... tags) {
        Counter c = px.metrics.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }
}

package dev.wsroute.testing;

/** Routes files the proxy tests share. */
public final class TestRoutes {
    private TestRoutes() {
    }

    /** A route {@code name} in namespace default: WebSocket upgrades under {@code prefix} and plain HTTP, both to {@code endpoint}. */
    public static String wsAndHttp(String name, String prefix, String endpoint) {
        return """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: %1$s, namespace: default}
                spec:
                  rules:
                    - match: {path: {type: Prefix, value: %2$s}}
                      backends: [{endpoints: ["%3$s"]}]
                  http:
                    backends: [{endpoints: ["%3$s"]}]
                """.formatted(name, prefix, endpoint);
    }

    /** Plain HTTP for host {@code up.test} (route {@code default/up}) to one endpoint. */
    public static String httpForUpTest(String endpoint) {
        return """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: up, namespace: default}
                spec:
                  hosts: [up.test]
                  http: {backends: [{endpoints: ["%s"]}]}
                """.formatted(endpoint);
    }
}

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

    /** A route {@code name} in namespace default: plain HTTP for {@code host} to {@code endpoint}. */
    public static String plainHttp(String name, String host, String endpoint) {
        return """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: %s, namespace: default}
                spec:
                  hosts: [%s]
                  http: {backends: [{endpoints: ["%s"]}]}
                """.formatted(name, host, endpoint);
    }

    /**
     * A route serving plain HTTP for {@code localhost} over TLS (Secret {@code web-tls}), and that Secret's document with
     * a certificate {@code ca} issues: for {@link ProxyHarness#routesWithSecrets}.
     */
    public static String httpOverTls(String endpoint, TestCertificates.Authority ca) {
        return """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: web, namespace: default}
                spec:
                  hosts: [localhost]
                  tls: {secretName: web-tls}
                  http: {backends: [{endpoints: ["%s"]}]}
                ---
                %s
                """.formatted(endpoint, ca.issue("localhost").secretYaml("default", "web-tls"));
    }
}

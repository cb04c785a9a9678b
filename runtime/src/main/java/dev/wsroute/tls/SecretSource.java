package dev.wsroute.tls;

import java.util.Map;
import java.util.Optional;

/**
 * Where Secret data comes from: the routes file in standalone mode ({@link StandaloneSecrets}), the informer cache
 * in ingress mode. Keys are the Secret's data keys ({@code tls.crt}, {@code tls.key}, {@code ca.crt}); values are
 * the decoded bytes and must not be modified by callers.
 */
@FunctionalInterface
public interface SecretSource {

    /** The data of Secret {@code namespace/name}, or empty when there is no such Secret. */
    Optional<Map<String, byte[]>> lookup(String namespace, String name);

    /** No Secrets at all. */
    SecretSource EMPTY = (namespace, name) -> Optional.empty();

    String TLS_CRT = "tls.crt";
    String TLS_KEY = "tls.key";
    String CA_CRT = "ca.crt";
}

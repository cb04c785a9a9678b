package dev.wsroute.operator.cluster;

import java.util.Map;
import java.util.Optional;

/**
 * The data of a watched Secret, decoded, for a Secret-backed {@link dev.wsroute.table.TlsResolver}. The values are
 * key material: never log them.
 */
@FunctionalInterface
public interface SecretLookup {
    Optional<Map<String, byte[]>> data(String namespace, String name);
}

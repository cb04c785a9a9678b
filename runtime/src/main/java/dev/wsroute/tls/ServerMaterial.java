package dev.wsroute.tls;

import java.util.Map;

import dev.wsroute.tls.TlsMaterialResolver.Problem;

/**
 * A certificate chain and its key as bytes, with names for messages ({@code where}: "Secret ns/name" or
 * "certFile …"). The key stays wrapped so it can't reach a log.
 */
record ServerMaterial(byte[] chain, PrivateBytes key, String where, String chainName, String keyName) {

    static ServerMaterial fromSecret(SecretSource secrets, SecretRef ref) throws Problem {
        Map<String, byte[]> data = secrets.lookup(ref.namespace(), ref.name())
                .orElseThrow(() -> Problem.gone("Secret " + ref + " not found"));
        byte[] crt = data.get(SecretSource.TLS_CRT);
        byte[] key = data.get(SecretSource.TLS_KEY);
        if (crt == null || key == null) {
            throw Problem.notFound("Secret " + ref + " has no " + (crt == null ? SecretSource.TLS_CRT : SecretSource.TLS_KEY) + " key");
        }
        return new ServerMaterial(crt, PrivateBytes.of(key), "Secret " + ref, SecretSource.TLS_CRT, SecretSource.TLS_KEY);
    }

    @Override
    public String toString() {
        return "ServerMaterial[" + where + "]";
    }
}

package dev.wsroute.tls;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;

/** Whether a private key belongs to a certificate's public key, for any key type: sign a challenge, verify it. */
final class KeyPairCheck {
    private static final byte[] CHALLENGE = "wsroute key/certificate match".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private KeyPairCheck() {
    }

    static boolean matches(PrivateKey key, PublicKey cert) {
        if (!key.getAlgorithm().equals(cert.getAlgorithm())) {
            return false;
        }
        if (key instanceof RSAPrivateCrtKey k && cert instanceof RSAPublicKey p) {
            return k.getModulus().equals(p.getModulus()) && k.getPublicExponent().equals(p.getPublicExponent());
        }
        String alg = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448
        };
        try {
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(CHALLENGE);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert);
            v.update(CHALLENGE);
            return v.verify(sig);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}

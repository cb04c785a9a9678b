package dev.wsroute.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * PEM decoding: certificate chains, and private keys in every form cert-manager and openssl write — PKCS#1
 * ({@code RSA PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}) and PKCS#8 ({@code PRIVATE KEY}).
 * Error messages name the field ({@code what}) and the problem, never the content.
 */
final class Pem {
    private static final JcaPEMKeyConverter KEYS = new JcaPEMKeyConverter(); // the JDK's providers: no BC registration

    private Pem() {
    }

    /** Every certificate in the PEM text, leaf first; at least one. */
    static List<X509Certificate> certificates(byte[] pem, String what) throws InvalidMaterialException {
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser parser = parser(pem)) {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof X509CertificateHolder h) {
                    out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(h.getEncoded())));
                } else {
                    throw new InvalidMaterialException(what + ": expected only CERTIFICATE blocks, found " + kind(o));
                }
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            throw new InvalidMaterialException(what + ": not valid PEM certificate data");
        }
        if (out.isEmpty()) {
            throw new InvalidMaterialException(what + ": no PEM certificate found");
        }
        return out;
    }

    /** The one private key in the PEM text. */
    static PrivateKey privateKey(PrivateBytes pem, String what) throws InvalidMaterialException {
        byte[] bytes = pem.bytes();
        List<Object> blocks = new ArrayList<>();
        try (PEMParser parser = parser(bytes)) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (!isEcParameters(o)) { // "openssl ecparam -genkey" writes an EC PARAMETERS block first
                    blocks.add(o);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new InvalidMaterialException(what + ": not valid PEM private key data");
        } finally {
            java.util.Arrays.fill(bytes, (byte) 0);
        }
        if (blocks.isEmpty()) {
            throw new InvalidMaterialException(what + ": no PEM private key found");
        }
        if (blocks.size() > 1) {
            throw new InvalidMaterialException(what + ": expected one private key, found " + blocks.size() + " PEM blocks");
        }
        Object first = blocks.get(0);
        try {
            if (first instanceof PEMKeyPair pair) {
                return KEYS.getPrivateKey(pair.getPrivateKeyInfo()); // PKCS#1 or SEC1
            }
            if (first instanceof PrivateKeyInfo info) {
                return KEYS.getPrivateKey(info); // PKCS#8
            }
            if (first instanceof PEMEncryptedKeyPair || first instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw new InvalidMaterialException(what + ": the private key is encrypted; give it unencrypted");
            }
        } catch (IOException | RuntimeException e) {
            throw new InvalidMaterialException(what + ": unsupported or malformed private key");
        }
        throw new InvalidMaterialException(what + ": expected a private key, found " + kind(first));
    }

    private static boolean isEcParameters(Object o) {
        return o instanceof org.bouncycastle.asn1.ASN1ObjectIdentifier || o instanceof org.bouncycastle.asn1.x9.X9ECParameters;
    }

    private static PEMParser parser(byte[] pem) {
        Reader r = new InputStreamReader(new ByteArrayInputStream(pem), StandardCharsets.US_ASCII);
        return new PEMParser(r);
    }

    private static String kind(Object o) {
        if (o instanceof X509CertificateHolder) {
            return "a certificate";
        }
        if (o instanceof PEMKeyPair || o instanceof PrivateKeyInfo) {
            return "a private key";
        }
        return "another PEM block";
    }
}

package dev.wsroute.tls;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed certificate made in memory at startup for a few names and 127.0.0.1 (EC P-256, valid for a year): the
 * demo's TLS listener and the warm-up's private one. Offered as a kubernetes.io/tls Secret document so that it takes
 * the same path as any routes file's Secret. The key never leaves the process and is never logged.
 */
public record SelfSignedCertificate(X509Certificate certificate, PrivateKey key) {
    @Override
    public String toString() { // a record's would print the key
        return "SelfSignedCertificate[" + certificate.getSubjectX500Principal() + "]";
    }

    /** A new one for {@code names} (the first is its subject's CN) and 127.0.0.1, its subject naming {@code organisation} (what it is for). */
    public static SelfSignedCertificate forNames(String organisation, String... names) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(256);
            KeyPair keys = generator.generateKeyPair();
            Instant now = Instant.now();
            X500Name subject = new X500NameBuilder().addRDN(BCStyle.CN, names[0]).addRDN(BCStyle.O, organisation + " (self-signed)")
                    .build();
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(now.toEpochMilli()),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(365))), subject, keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            GeneralName[] alternatives = new GeneralName[names.length + 1];
            for (int i = 0; i < names.length; i++) {
                alternatives[i] = new GeneralName(GeneralName.dNSName, names[i]);
            }
            alternatives[names.length] = new GeneralName(GeneralName.iPAddress, "127.0.0.1");
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternatives));
            return new SelfSignedCertificate(new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()))),
                    keys.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | org.bouncycastle.cert.CertIOException e) {
            throw new IllegalStateException("cannot make a self-signed certificate for " + organisation, e);
        }
    }

    /** A {@code kubernetes.io/tls} Secret document (YAML) holding it. */
    public String secretYaml(String namespace, String name) {
        try {
            return """
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: %s, namespace: %s}
                    type: kubernetes.io/tls
                    data:
                      tls.crt: %s
                      tls.key: %s
                    """.formatted(name, namespace, base64(pem("CERTIFICATE", certificate.getEncoded())),
                    base64(pem("PRIVATE KEY", key.getEncoded())));
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode a self-signed certificate", e);
        }
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }
}

package dev.wsroute.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made in the test: a CA, and leaves it issues (host names, wildcards, IP addresses; RSA or EC;
 * any validity window, so expired and not-yet-valid ones too). Writes PEM in every key format wsroute must read,
 * Secret YAML, PEM files, and truststores for JDK clients.
 * <pre>{@code
 * Authority ca = TestCertificates.authority("test CA");
 * Issued host = ca.issue("chat.example.com");                       // EC P-256
 * Issued rsa = ca.leaf("chat.example.com").keyType(KeyType.RSA).build(); // as cert-manager's default
 * Issued expired = ca.leaf("old.example.com").validUntil(Instant.now().minus(Duration.ofDays(1))).build();
 * }</pre>
 */
public final class TestCertificates {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    public enum KeyType { RSA, EC }

    /** How a private key is written: PKCS1 is the "traditional" form ({@code RSA PRIVATE KEY}, or SEC1 {@code EC PRIVATE KEY}). */
    public enum KeyFormat { PKCS1, PKCS8 }

    private TestCertificates() {
    }

    /** A self-signed CA (EC P-256: RSA key generation costs seconds on a busy machine) valid from a day ago for ten years. */
    public static Authority authority(String commonName) {
        KeyPair keys = keyPair(KeyType.EC);
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=" + commonName + ",O=wsroute tests");
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(Duration.ofDays(3650))), name, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new Authority(sign(b, keys), keys);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static KeyPair keyPair(KeyType type) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(type == KeyType.RSA ? "RSA" : "EC");
            if (type == KeyType.RSA) {
                g.initialize(2048, RANDOM);
            } else {
                g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A certificate authority that issues leaves. */
    public static final class Authority {
        private final X509Certificate certificate;
        private final KeyPair keys;

        private Authority(X509Certificate certificate, KeyPair keys) {
            this.certificate = certificate;
            this.keys = keys;
        }

        public X509Certificate certificate() {
            return certificate;
        }

        /** An EC leaf for these names (DNS names, wildcards or IPv4 addresses), valid now for 30 days. */
        public Issued issue(String... names) {
            return leaf(names).build();
        }

        public LeafBuilder leaf(String... names) {
            return new LeafBuilder(this, List.of(names));
        }

        public String certificatePem() {
            return pem(certificate);
        }

        public Path writeCertificatePem(Path file) {
            return write(file, certificatePem());
        }

        /** A truststore holding this CA only. */
        public KeyStore trustStore(String type) {
            try {
                KeyStore ks = KeyStore.getInstance(type);
                ks.load(null, null);
                ks.setCertificateEntry("test-ca", certificate);
                return ks;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Writes a PKCS12 or JKS truststore, e.g. for {@code -Djavax.net.ssl.trustStore}. */
        public Path writeTrustStore(Path file, String type, char[] password) {
            try (OutputStream out = Files.newOutputStream(file)) {
                trustStore(type).store(out, password);
                return file;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A JDK client context (for SSLSocket or java.net.http.HttpClient) that trusts this CA only. */
        public SSLContext clientSslContext() {
            try {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trustStore("PKCS12"));
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, tmf.getTrustManagers(), RANDOM);
                return ctx;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Options of a leaf before it is issued. */
    public static final class LeafBuilder {
        private final Authority ca;
        private final List<String> names;
        private KeyType keyType = KeyType.EC;
        private Instant notBefore = Instant.now().minus(Duration.ofHours(1));
        private Instant notAfter = Instant.now().plus(Duration.ofDays(30));

        private LeafBuilder(Authority ca, List<String> names) {
            this.ca = ca;
            this.names = names;
        }

        public LeafBuilder keyType(KeyType type) {
            this.keyType = type;
            return this;
        }

        public LeafBuilder validFrom(Instant from) {
            this.notBefore = from;
            return this;
        }

        public LeafBuilder validUntil(Instant until) {
            this.notAfter = until;
            return this;
        }

        /** Expired yesterday. */
        public LeafBuilder expired() {
            return validFrom(Instant.now().minus(Duration.ofDays(30))).validUntil(Instant.now().minus(Duration.ofDays(1)));
        }

        /** Valid from tomorrow. */
        public LeafBuilder notYetValid() {
            return validFrom(Instant.now().plus(Duration.ofDays(1))).validUntil(Instant.now().plus(Duration.ofDays(30)));
        }

        public Issued build() {
            KeyPair keys = keyPair(keyType);
            try {
                JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
                List<GeneralName> san = new ArrayList<>();
                for (String n : names) {
                    san.add(IPV4.matcher(n).matches()
                            ? new GeneralName(GeneralName.iPAddress, new org.bouncycastle.asn1.DEROctetString(InetAddress.getByName(n).getAddress()))
                            : new GeneralName(GeneralName.dNSName, n));
                }
                X500Name subject = new X500Name("CN=" + (names.isEmpty() ? "no name" : names.get(0)) + ",O=wsroute tests");
                X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.certificate, serial(), Date.from(notBefore),
                        Date.from(notAfter), subject, keys.getPublic())
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                        .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca.certificate))
                        .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
                if (!san.isEmpty()) {
                    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(san.toArray(GeneralName[]::new)));
                }
                return new Issued(ca, sign(b, ca.keys), keys);
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A leaf certificate and its key pair. */
    public static final class Issued {
        private final Authority issuer;
        private final X509Certificate certificate;
        private final KeyPair keys;

        private Issued(Authority issuer, X509Certificate certificate, KeyPair keys) {
            this.issuer = issuer;
            this.certificate = certificate;
            this.keys = keys;
        }

        public Authority issuer() {
            return issuer;
        }

        public X509Certificate certificate() {
            return certificate;
        }

        public KeyPair keyPair() {
            return keys;
        }

        /** The same certificate with a freshly generated key of the same type: a key that does not match. */
        public Issued withWrongKey() {
            return new Issued(issuer, certificate, TestCertificates.keyPair("RSA".equals(keys.getPrivate().getAlgorithm()) ? KeyType.RSA : KeyType.EC));
        }

        public String certificatePem() {
            return pem(certificate);
        }

        /** The leaf, then the CA: a full chain as some tools write tls.crt. */
        public String chainPem() {
            return pem(certificate) + issuer.certificatePem();
        }

        /** The key as cert-manager writes it by default: PKCS#1 for RSA, SEC1 for EC. */
        public String keyPem() {
            return keyPem(KeyFormat.PKCS1);
        }

        public String keyPem(KeyFormat format) {
            if (format == KeyFormat.PKCS8) {
                return "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(keys.getPrivate().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n";
            }
            if ("EC".equals(keys.getPrivate().getAlgorithm())) {
                return sec1(keys);
            }
            return pem(keys.getPrivate()); // PKCS#1
        }

        /** Data of a kubernetes.io/tls Secret: tls.crt and tls.key (PKCS#1/SEC1). */
        public Map<String, byte[]> secretData() {
            return secretData(KeyFormat.PKCS1);
        }

        public Map<String, byte[]> secretData(KeyFormat format) {
            Map<String, byte[]> data = new LinkedHashMap<>();
            data.put("tls.crt", certificatePem().getBytes(StandardCharsets.US_ASCII));
            data.put("tls.key", keyPem(format).getBytes(StandardCharsets.US_ASCII));
            return data;
        }

        /** A kubernetes.io/tls Secret document with base64 data, as {@code kubectl create secret tls} makes it. */
        public String secretYaml(String namespace, String name) {
            Base64.Encoder b64 = Base64.getEncoder();
            return "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\n"
                    + "metadata:\n  name: " + name + "\n  namespace: " + namespace + "\n"
                    + "data:\n"
                    + "  tls.crt: " + b64.encodeToString(certificatePem().getBytes(StandardCharsets.US_ASCII)) + "\n"
                    + "  tls.key: " + b64.encodeToString(keyPem().getBytes(StandardCharsets.US_ASCII)) + "\n";
        }

        /** Writes {@code <base>.crt} and {@code <base>.key} (PKCS#1/SEC1) into dir. */
        public PemFiles writePem(Path dir, String base) {
            return new PemFiles(write(dir.resolve(base + ".crt"), certificatePem()), write(dir.resolve(base + ".key"), keyPem()));
        }

        /** A JDK server context presenting this certificate, for test servers that are not wsroute. */
        public SSLContext serverSslContext() {
            try {
                char[] pw = "test".toCharArray();
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("leaf", keys.getPrivate(), pw, new X509Certificate[] { certificate, issuer.certificate });
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, pw);
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(kmf.getKeyManagers(), null, RANDOM);
                return ctx;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public String toString() {
            return "Issued[" + certificate.getSubjectX500Principal() + "]";
        }
    }

    public record PemFiles(Path certificate, Path key) {
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer) {
        try {
            String alg = "RSA".equals(signer.getPrivate().getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(signer.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    static String pem(Object o) {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s.toString();
    }

    /** SEC1 with the curve named inside, as openssl writes it (the JDK's encoding keeps the curve outside). */
    private static String sec1(KeyPair keys) {
        try {
            org.bouncycastle.asn1.pkcs.PrivateKeyInfo info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
            org.bouncycastle.asn1.sec.ECPrivateKey inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
            org.bouncycastle.asn1.ASN1BitString pub = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo
                    .getInstance(keys.getPublic().getEncoded()).getPublicKeyData();
            org.bouncycastle.asn1.sec.ECPrivateKey full = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(),
                    pub, info.getPrivateKeyAlgorithm().getParameters());
            return "-----BEGIN EC PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(full.getEncoded())
                    + "\n-----END EC PRIVATE KEY-----\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

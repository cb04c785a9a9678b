package dev.wsroute.tls;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.wsroute.testing.TestCertificates;
import dev.wsroute.testing.TestCertificates.Authority;
import dev.wsroute.testing.TestCertificates.Issued;
import dev.wsroute.testing.TestCertificates.KeyFormat;
import dev.wsroute.testing.TestCertificates.KeyType;

class PemTest {
    static Authority ca;
    static Issued rsa;
    static Issued ec;

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.authority("pem test CA");
        rsa = ca.leaf("rsa.example.com").keyType(KeyType.RSA).build();
        ec = ca.leaf("ec.example.com").keyType(KeyType.EC).build();
    }

    @ParameterizedTest
    @EnumSource(KeyFormat.class)
    void rsaKeyLoadsAndMatches(KeyFormat format) throws Exception {
        String pem = rsa.keyPem(format);
        assertThat(pem).startsWith(format == KeyFormat.PKCS1 ? "-----BEGIN RSA PRIVATE KEY-----" : "-----BEGIN PRIVATE KEY-----");
        PrivateKey key = Pem.privateKey(PrivateBytes.of(pem.getBytes(US_ASCII)), "tls.key");
        assertThat(key.getAlgorithm()).isEqualTo("RSA");
        assertThat(KeyPairCheck.matches(key, rsa.certificate().getPublicKey())).isTrue();
    }

    @ParameterizedTest
    @EnumSource(KeyFormat.class)
    void ecKeyLoadsAndMatches(KeyFormat format) throws Exception {
        String pem = ec.keyPem(format);
        assertThat(pem).startsWith(format == KeyFormat.PKCS1 ? "-----BEGIN EC PRIVATE KEY-----" : "-----BEGIN PRIVATE KEY-----");
        PrivateKey key = Pem.privateKey(PrivateBytes.of(pem.getBytes(US_ASCII)), "tls.key");
        assertThat(key.getAlgorithm()).isEqualTo("EC");
        assertThat(KeyPairCheck.matches(key, ec.certificate().getPublicKey())).isTrue();
    }

    @Test
    void ecParametersBlockBeforeTheKeyIsSkipped() throws Exception {
        // what "openssl ecparam -genkey -name prime256v1" writes
        String pem = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + ec.keyPem();
        PrivateKey key = Pem.privateKey(PrivateBytes.of(pem.getBytes(US_ASCII)), "tls.key");
        assertThat(KeyPairCheck.matches(key, ec.certificate().getPublicKey())).isTrue();
    }

    @Test
    void keyOfAnotherCertificateDoesNotMatch() throws Exception {
        PrivateKey other = Pem.privateKey(PrivateBytes.of(rsa.withWrongKey().keyPem().getBytes(US_ASCII)), "tls.key");
        PrivateKey ecKey = Pem.privateKey(PrivateBytes.of(ec.keyPem().getBytes(US_ASCII)), "tls.key");
        assertThat(KeyPairCheck.matches(other, rsa.certificate().getPublicKey())).isFalse();
        assertThat(KeyPairCheck.matches(ecKey, rsa.certificate().getPublicKey())).isFalse();
        PrivateKey otherEc = Pem.privateKey(PrivateBytes.of(ec.withWrongKey().keyPem().getBytes(US_ASCII)), "tls.key");
        assertThat(KeyPairCheck.matches(otherEc, ec.certificate().getPublicKey())).isFalse();
    }

    @Test
    void encryptedKeyIsRefusedWithAReason() throws Exception {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(rsa.keyPair().getPrivate(), new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).build("pw".toCharArray()));
        }
        assertThatThrownBy(() -> Pem.privateKey(PrivateBytes.of(s.toString().getBytes(US_ASCII)), "tls.key"))
                .isInstanceOf(InvalidMaterialException.class).hasMessage("tls.key: the private key is encrypted; give it unencrypted");
    }

    @Test
    void keyProblemsNameTheFieldAndNeverTheContent() {
        String key = rsa.keyPem();
        String body = key.split("\n")[1];
        assertKeyProblem("hello", "tls.key: no PEM private key found");
        assertKeyProblem(rsa.certificatePem(), "tls.key: expected a private key, found a certificate");
        assertKeyProblem(key + ec.keyPem(), "tls.key: expected one private key, found 2 PEM blocks");
        String corrupt = key.replace(body, body.substring(0, 20) + "!!!!" + body.substring(24));
        assertThatThrownBy(() -> Pem.privateKey(PrivateBytes.of(corrupt.getBytes(US_ASCII)), "tls.key"))
                .isInstanceOf(InvalidMaterialException.class)
                .satisfies(e -> assertThat(e.getMessage()).startsWith("tls.key: ").doesNotContain(body.substring(0, 20)))
                .hasNoCause();
    }

    private static void assertKeyProblem(String pem, String message) {
        assertThatThrownBy(() -> Pem.privateKey(PrivateBytes.of(pem.getBytes(US_ASCII)), "tls.key"))
                .isInstanceOf(InvalidMaterialException.class).hasMessage(message).hasNoCause();
    }

    @Test
    void certificateChainLeafFirst() throws Exception {
        List<X509Certificate> chain = Pem.certificates(rsa.chainPem().getBytes(US_ASCII), "tls.crt");
        assertThat(chain).containsExactly(rsa.certificate(), ca.certificate());
    }

    @Test
    void certificateProblems() {
        assertThatThrownBy(() -> Pem.certificates("".getBytes(US_ASCII), "tls.crt"))
                .isInstanceOf(InvalidMaterialException.class).hasMessage("tls.crt: no PEM certificate found");
        assertThatThrownBy(() -> Pem.certificates((rsa.certificatePem() + rsa.keyPem()).getBytes(US_ASCII), "tls.crt"))
                .isInstanceOf(InvalidMaterialException.class).hasMessage("tls.crt: expected only CERTIFICATE blocks, found a private key");
        String cert = rsa.certificatePem();
        String broken = cert.replace(cert.split("\n")[2], "AAAA");
        assertThatThrownBy(() -> Pem.certificates(broken.getBytes(US_ASCII), "tls.crt"))
                .isInstanceOf(InvalidMaterialException.class).hasMessage("tls.crt: not valid PEM certificate data");
    }
}

package dev.wsroute.tls;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

class TlsEngineTest {
    @Test
    void openSslIsChosenWhenItLoadsAndTheStartupLineSaysWhich() {
        // netty-tcnative-boringssl-static is a dependency, so on linux-x86_64 OpenSSL must load
        assertThat(OpenSsl.isAvailable()).as("OpenSSL unavailable: %s", OpenSsl.unavailabilityCause()).isTrue();
        assertThat(TlsEngine.provider()).isEqualTo(SslProvider.OPENSSL);
        assertThat(TlsContexts.automatic().provider()).isEqualTo(SslProvider.OPENSSL);
        assertThat(TlsEngine.describe()).startsWith("TLS engine: OpenSSL (").contains("BoringSSL");
    }

    @Test
    void onlyTls12And13() {
        assertThat(TlsContexts.PROTOCOLS).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(TlsContexts.CIPHERS).allSatisfy(c -> assertThat(c).matches("TLS_(AES|CHACHA20|ECDHE).*(GCM|POLY1305).*"));
    }
}

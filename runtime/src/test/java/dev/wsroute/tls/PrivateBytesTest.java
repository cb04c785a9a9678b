package dev.wsroute.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class PrivateBytesTest {
    private static final byte[] KEY = "-----BEGIN PRIVATE KEY-----\nMIIsecret\n".getBytes(StandardCharsets.US_ASCII);

    @Test
    void toStringRedacts() {
        PrivateBytes p = PrivateBytes.of(KEY);
        assertThat(p.toString()).isEqualTo("[redacted]");
        assertThat(String.valueOf(java.util.List.of(p))).doesNotContain("MIIsecret");
    }

    @Test
    void holdsACopy() {
        byte[] in = KEY.clone();
        PrivateBytes p = PrivateBytes.of(in);
        in[0] = 'x';
        byte[] out = p.bytes();
        out[1] = 'y';
        assertThat(p.bytes()).isEqualTo(KEY);
        assertThat(p.length()).isEqualTo(KEY.length);
    }

    @Test
    void equalByContent() {
        assertThat(PrivateBytes.of(KEY)).isEqualTo(PrivateBytes.of(KEY.clone())).hasSameHashCodeAs(PrivateBytes.of(KEY));
        assertThat(PrivateBytes.of(KEY)).isNotEqualTo(PrivateBytes.of(new byte[] { 1 }));
    }
}

package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 3986 §5.2.4 and §6.2.2 as the proxy applies them: what a path becomes before it is matched and forwarded. */
class PathNormalizerTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "/, /",
            "/chat, /chat",
            "/chat/, /chat/",
            "/canary/../fz/x, /fz/x",
            "/canary/%2e%2e/fz/x, /fz/x",
            "/canary/%2E%2E/fz/x, /fz/x",
            "/canary/.%2e/fz/x, /fz/x",
            "/a/./b, /a/b",
            "/a/b/., /a/b/",
            "/a/b/.., /a/",
            "/.., /",
            "/../../etc/passwd, /etc/passwd",
            "//a///b, /a/b",
            "/a//, /a/",
            "/%7Euser, /~user",
            "/%41%62c, /Abc",
            "/caf%c3%a9, /caf%C3%A9",
            "/a%20b, /a%20b",
            "/.well-known/x, /.well-known/x",
            "/a..b/c, /a..b/c",
    })
    void normalises(String raw, String expected) throws RefusedRequest {
        assertThat(PathNormalizer.normalize(raw)).isEqualTo(expected);
    }
}

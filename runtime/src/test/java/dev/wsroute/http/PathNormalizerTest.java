package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
            "/a;v=1/b, /a;v=1/b",
            "/a/...;x/b, /a/...;x/b",
            "/a/.x;y, /a/.x;y",
            "/a/b;/.., /a/",
    })
    void normalises(String raw, String expected) throws RefusedRequest {
        assertThat(PathNormalizer.normalize(raw)).isEqualTo(expected);
    }

    /**
     * A dot segment with path parameters ({@code ..;}, {@code .;x}) is not a dot segment to RFC 3986, so it would be
     * routed and forwarded as a name; Tomcat, Spring and older Jetty drop the parameters first and climb: behind a
     * {@code /ws} rule, {@code /ws/..;/admin} reached the backend's {@code /admin}. Refused, as Jetty 10 does.
     */
    @ParameterizedTest
    @CsvSource({"/ws/..;/admin", "/ws/.;/admin", "/ws/..;jsessionid=x/admin", "/ws/%2e%2e;/admin", "/ws/.%2E;x/admin", "/ws/..;", "/..;/x"})
    void aDotSegmentWithParametersIsRefused(String raw) {
        assertThatThrownBy(() -> PathNormalizer.normalize(raw)).isInstanceOf(RefusedRequest.class)
                .hasMessageContaining("dot segment with parameters").extracting(e -> ((RefusedRequest) e).status()).isEqualTo(400);
    }
}

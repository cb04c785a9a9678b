package dev.wsroute.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.wsroute.testing.ProxyHarness;
import dev.wsroute.testing.TestConfig;
import dev.wsroute.testing.RawHttp;
import dev.wsroute.testing.WsClient;
import dev.wsroute.testing.WsEchoServer;

/**
 * The hostile-head seed corpus (src/test/fuzz/make-head-corpus.py: a valid upgrade head with one defect each) and
 * seeded mutations of it, sent through the real proxy to a real WebSocket backend while a canary WebSocket on the
 * same proxy keeps echoing. No head of the corpus may get 101; a mutated head may get 101 only if an independent
 * grammar check (RFC 9112 ABNF written as regular expressions, below) says it is a valid upgrade; the proxy answers
 * or closes every one, and the canary never stops. {@code -Dwsroute.fuzz.iterations=N} runs more mutations.
 */
class HostileHeadCorpusTest {
    static final Path CORPUS = Path.of("src/test/resources/dev/wsroute/http/RequestHeadFuzzTestInputs/decoderNeverCrashes");
    static final String VALID = "GET /ws HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    static WsEchoServer upstream;
    static ProxyHarness px;
    static WsClient canary;

    @BeforeAll
    static void start() throws Exception {
        upstream = WsEchoServer.plain();
        // a short head timeout: a seed without an end of head gets its 408 soon
        px = new ProxyHarness(TestConfig.wsroute("wsroute.limits.request-header-timeout", "2s"));
        px.routes("""
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: ws, namespace: default}
                spec:
                  rules:
                    - match: {path: {type: Prefix, value: /ws}}
                      backends: [{endpoints: ["127.0.0.1:%d"]}]
                """.formatted(upstream.port()));
        canary = WsClient.connect(px.ws("/ws/canary"), Map.of());
    }

    @AfterAll
    static void stop() {
        canary.close();
        px.close();
        upstream.close();
    }

    @Test
    void theValidHeadTheCorpusIsMadeFromIsUpgraded() throws IOException {
        assertThat(answer(VALID.getBytes(StandardCharsets.ISO_8859_1))).startsWith("HTTP/1.1 101");
    }

    @Test
    void noHostileHeadIsUpgradedAndTheCanaryKeepsEchoing() throws Exception {
        List<Path> seeds;
        try (Stream<Path> files = Files.list(CORPUS)) {
            seeds = files.sorted().toList();
        }
        assertThat(seeds).hasSizeGreaterThanOrEqualTo(200);
        int n = 0;
        for (Path seed : seeds) {
            String answer = answer(Files.readAllBytes(seed));
            assertThat(answer).as(seed.getFileName().toString()).doesNotStartWith("HTTP/1.1 101");
            if (!answer.isEmpty()) {
                assertThat(answer).as(seed.getFileName().toString()).matches("(?s)HTTP/1\\.1 (4\\d\\d|505) .*");
            }
            if (++n % 20 == 0) {
                assertThat(canary.roundTrip("after " + seed.getFileName())).isEqualTo("echo: after " + seed.getFileName());
            }
        }
        assertThat(canary.roundTrip("still here")).isEqualTo("echo: still here");
    }

    @Test
    void mutatedHeadsAreUpgradedOnlyWhenValid() throws Exception {
        int iterations = Integer.getInteger("wsroute.fuzz.iterations", 300);
        Random random = new Random(Long.getLong("wsroute.fuzz.seed", 8L));
        List<byte[]> bases = new ArrayList<>();
        bases.add(VALID.getBytes(StandardCharsets.ISO_8859_1));
        try (Stream<Path> files = Files.list(CORPUS)) {
            for (Path p : files.sorted().toList()) {
                bases.add(Files.readAllBytes(p));
            }
        }
        int upgraded = 0;
        for (int i = 0; i < iterations; i++) {
            // the mutated bytes, then an empty line so that every head ends (a mutation may have cut its end)
            byte[] input = (new String(mutate(bases.get(random.nextInt(bases.size())), random), StandardCharsets.ISO_8859_1) + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            String answer = answer(input);
            String text = new String(input, StandardCharsets.ISO_8859_1);
            if (answer.startsWith("HTTP/1.1 101")) {
                upgraded++;
                assertThat(ValidUpgrade.holds(text)).as("101 for an invalid head: %s", text.replace("\r", "\\r").replace("\n", "\\n")).isTrue();
            }
            if (i % 50 == 0) {
                assertThat(canary.roundTrip("mutation " + i)).isEqualTo("echo: mutation " + i);
            }
        }
        assertThat(canary.roundTrip("still here")).isEqualTo("echo: still here");
        assertThat(upgraded).as("some mutations stay valid, so the check above is exercised").isPositive();
    }

    /** One to three random edits: flip, insert or delete a byte, with a bias to the bytes parsers trip on. */
    static byte[] mutate(byte[] in, Random r) {
        byte[] special = {'\r', '\n', ' ', '\t', 0, ':', ',', '%', '/', '.', (byte) 0x85, (byte) 0xff};
        byte[] out = in;
        for (int k = 1 + r.nextInt(3); k > 0; k--) {
            int at = out.length == 0 ? 0 : r.nextInt(out.length);
            byte b = r.nextBoolean() ? special[r.nextInt(special.length)] : (byte) r.nextInt(256);
            switch (r.nextInt(3)) {
                case 0 -> {
                    if (out.length > 0) {
                        out = out.clone();
                        out[at] = b;
                    }
                }
                case 1 -> {
                    byte[] grown = new byte[out.length + 1];
                    System.arraycopy(out, 0, grown, 0, at);
                    grown[at] = b;
                    System.arraycopy(out, at, grown, at + 1, out.length - at);
                    out = grown;
                }
                default -> {
                    if (out.length > 1) {
                        byte[] shrunk = new byte[out.length - 1];
                        System.arraycopy(out, 0, shrunk, 0, at);
                        System.arraycopy(out, at + 1, shrunk, at, out.length - at - 1);
                        out = shrunk;
                    }
                }
            }
        }
        return out;
    }

    /** Sends one head on a fresh connection; returns the answer's head, or "" when the proxy closed without one. */
    static String answer(byte[] head) throws IOException {
        try (RawHttp c = new RawHttp(px.port())) {
            try {
                c.send(head);
            } catch (IOException closedWhileSending) {
                return "";
            }
            try {
                return c.readHead();
            } catch (SocketTimeoutException e) {
                // still waiting for the rest of a head (a mutation removed its end): closing is the client's move
                return "";
            } catch (IOException closed) {
                return "";
            }
        }
    }

    /** An independent statement of a valid upgrade head (RFC 9112 §3, §5; RFC 9110 §7.2; RFC 6455 §4.1). */
    static final class ValidUpgrade {
        private static final String TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
        private static final Pattern HEAD = Pattern.compile("GET (/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*(\\?[!-~&&[^#]]*)?) HTTP/1\\.1\r\n"
                + "((" + TOKEN + ":[ \t]*[!-~\u0080-\u00ff]*(?:[ \t]+[!-~\u0080-\u00ff]+)*[ \t]*\r\n)*)\r\n");
        private static final Pattern FIELD = Pattern.compile("(" + TOKEN + "):[ \t]*(.*?)[ \t]*");

        /** Whether the first head in {@code text} (after at most four empty lines) is a valid upgrade. */
        static boolean holds(String text) {
            for (int i = 0; i < 4 && text.startsWith("\r\n"); i++) {
                text = text.substring(2);
            }
            int end = text.indexOf("\r\n\r\n");
            if (end < 0) {
                return false;
            }
            var m = HEAD.matcher(text.substring(0, end + 4));
            if (!m.matches()) {
                return false;
            }
            String path = m.group(1).split("\\?", 2)[0];
            if (path.matches(".*%(?![0-9A-Fa-f]{2}).*") || path.toLowerCase().matches(".*%(00|2f|5c|c0|c1|e0|ed|f[0-9a-f]|8[0-9a-f]|9[0-9a-f]|a[0-9a-f]|b[0-9a-f]).*")) {
                return false; // escapes the proxy refuses or that may be invalid UTF-8: never a valid upgrade here
            }
            Map<String, List<String>> fields = new java.util.HashMap<>();
            for (String line : m.group(3).split("\r\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                var f = FIELD.matcher(line);
                if (!f.matches()) {
                    return false;
                }
                fields.computeIfAbsent(f.group(1).toLowerCase(), k -> new ArrayList<>()).add(f.group(2));
            }
            for (String name : List.of("transfer_encoding", "content_length", "transfer-encoding")) {
                if (fields.containsKey(name)) {
                    return false;
                }
            }
            List<String> cl = fields.get("content-length");
            if (cl != null && !(cl.size() == 1 && cl.get(0).matches("0+"))) {
                return false;
            }
            List<String> expect = fields.get("expect");
            if (expect != null && !expect.stream().allMatch(v -> v.equalsIgnoreCase("100-continue"))) {
                return false;
            }
            return one(fields, "host", "[A-Za-z0-9._-]+(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?")
                    && one(fields, "sec-websocket-key", "[A-Za-z0-9+/]{22}==")
                    && one(fields, "sec-websocket-version", "13")
                    && one(fields, "upgrade", "(?i).*\\bwebsocket\\b.*")
                    && fields.getOrDefault("connection", List.of()).stream().anyMatch(v -> v.matches("(?i)(.*,)?[ \t]*upgrade[ \t]*(,.*)?"));
        }

        private static boolean one(Map<String, List<String>> fields, String name, String valueRegex) {
            List<String> v = fields.get(name);
            return v != null && v.size() == 1 && v.get(0).matches(valueRegex);
        }
    }
}

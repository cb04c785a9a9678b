package dev.wsroute.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.wsroute.model.RouteId;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.RouteTableHolder;
import dev.wsroute.tls.TlsResolver;

/**
 * The routes file is reloaded within 1 s of any kind of change (CONTRACT, standalone mode), and an invalid or
 * missing file leaves the last good table in force.
 */
class RoutesFileSourceTest {
    /**
     * Only a bound against a hang: the CONTRACT's "within 1 s" is kept by the poll interval ({@code POLL_MILLIS}), and a
     * loaded machine must not fail a test that waits for the reload itself.
     */
    private static final Duration WITHIN = Duration.ofSeconds(30);
    private static final Function<List<JsonNode>, TlsResolver> NO_TLS = secrets -> TlsResolver.NONE;

    @TempDir
    Path dir;

    private final RouteTableHolder holder = new RouteTableHolder();
    private final List<RouteTable> published = new CopyOnWriteArrayList<>();
    private RoutesFileSource source;

    RoutesFileSourceTest() {
        holder.onSwap((old, fresh) -> published.add(fresh));
    }

    @AfterEach
    void close() {
        if (source != null) {
            source.close();
        }
    }

    static String routes(String... names) {
        StringBuilder sb = new StringBuilder();
        for (String name : names) {
            sb.append("---\napiVersion: wsroute.dev/v1alpha1\nkind: WebSocketRoute\nmetadata: {name: ").append(name)
                    .append("}\nspec:\n  rules:\n    - backends: [{endpoints: ['127.0.0.1:9001']}]\n");
        }
        return sb.toString();
    }

    private static final String INVALID = """
            apiVersion: wsroute.dev/v1alpha1
            kind: WebSocketRoute
            metadata: {name: broken}
            spec:
              rules:
                - maxConnections: 0
                  backends: [{endpoints: ['127.0.0.1:9001']}]
            """;

    private List<String> names() {
        return holder.current().routes().stream().map(r -> r.route().id().name()).toList();
    }

    private RoutesFileSource start(Path file) {
        source = new RoutesFileSource(file, holder, NO_TLS).start();
        return source;
    }

    private static void write(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    private void awaitRoutes(String... names) {
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> assertThat(names()).containsExactly(names));
    }

    @Test
    void initialLoadIsPublishedBeforeStartReturns() throws IOException {
        Path file = dir.resolve("routes.yaml");
        write(file, routes("chat", "feed"));

        start(file);

        assertThat(holder.loaded()).isTrue();
        assertThat(names()).containsExactly("chat", "feed");
        assertThat(holder.current().version()).isEqualTo(1);
        assertThat(source.lastError()).isNull();
    }

    @Test
    void inPlaceRewriteIsAppliedWithinOneSecond() throws IOException {
        Path file = dir.resolve("routes.yaml");
        write(file, routes("chat"));
        start(file);

        write(file, routes("feed")); // same length: only the content tells

        awaitRoutes("feed");
        assertThat(holder.current().version()).isGreaterThan(1);
    }

    @Test
    void writeToTempThenAtomicRenameIsApplied() throws IOException {
        Path file = dir.resolve("routes.yaml");
        write(file, routes("chat"));
        start(file);

        Path tmp = dir.resolve(".routes.yaml.tmp");
        write(tmp, routes("chat", "renamed"));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        awaitRoutes("chat", "renamed");
    }

    @Test
    void configMapSymlinkSwapIsApplied() throws IOException {
        // What the kubelet does for a mounted ConfigMap: routes.yaml -> ..data/routes.yaml, ..data -> ..<timestamp>
        Path first = Files.createDirectory(dir.resolve("..2026_01_01_00_00_00.000000001"));
        write(first.resolve("routes.yaml"), routes("chat"));
        Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
        Path file = dir.resolve("routes.yaml");
        Files.createSymbolicLink(file, Path.of("..data", "routes.yaml"));
        start(file);
        assertThat(names()).containsExactly("chat");

        Path second = Files.createDirectory(dir.resolve("..2026_01_01_00_01_00.000000002"));
        write(second.resolve("routes.yaml"), routes("chat", "swapped"));
        Path newLink = Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
        Files.move(newLink, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE); // rename(2) over the old link
        Files.delete(first.resolve("routes.yaml"));
        Files.delete(first);

        awaitRoutes("chat", "swapped");
        assertThat(Files.readSymbolicLink(dir.resolve("..data"))).isEqualTo(second.getFileName());
    }

    @Test
    void rewritingTheSameContentPublishesNothing() throws IOException {
        Path file = dir.resolve("routes.yaml");
        write(file, routes("chat"));
        start(file);
        RouteTable first = holder.current();

        write(file, routes("chat")); // a touch, or a ConfigMap sync with no change

        source.poll(); // two polls that read the same content would apply a change: here there is none
        source.poll();
        assertThat(holder.current()).isSameAs(first);
        assertThat(published).hasSize(1);
    }

    @Test
    void invalidFileKeepsTheLastGoodTableAndNamesDocumentAndField() throws IOException {
        Path file = dir.resolve("routes.yaml");
        write(file, routes("chat"));
        start(file);
        RouteTable good = holder.current();

        write(file, routes("chat") + "---\n" + INVALID);

        await().atMost(WITHIN).untilAsserted(() -> assertThat(source.lastError()).isNotNull());
        assertThat(source.lastError())
                .contains("document 1")
                .contains("WebSocketRoute default/broken")
                .contains("spec.rules[0].maxConnections");
        assertThat(holder.current()).as("the last good table stays in force").isSameAs(good);
        assertThat(holder.current().version()).isEqualTo(1);
        assertThat(published).hasSize(1);

        write(file, routes("chat", "fixed"));
        awaitRoutes("chat", "fixed");
        assertThat(source.lastError()).isNull();
    }

    @Test
    void emptyingAStaticPoolForMaintenanceIsAValidFile() throws IOException {
        Path file = dir.resolve("routes.yaml");
        write(file, routes("chat", "feed"));
        start(file);

        write(file, routes("chat") + """
                ---
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: feed}
                spec:
                  rules:
                    - backends: [{endpoints: []}]
                """);

        await().atMost(WITHIN).pollInterval(Duration.ofMillis(20))
                .until(() -> holder.current().version() > 1 && source.lastError() == null);
        assertThat(names()).containsExactly("chat", "feed");
        assertThat(holder.current().route(new RouteId("default", "feed")).rules().get(0).pool().isEmpty())
                .as("its upgrades get 503").isTrue();
        assertThat(holder.current().route(new RouteId("default", "chat")).rules().get(0).pool().isEmpty()).isFalse();
    }

    @Test
    void invalidFileAtStartupPublishesNothing() throws IOException {
        Path file = dir.resolve("routes.yaml");
        write(file, INVALID);

        start(file);

        assertThat(holder.loaded()).as("not ready").isFalse();
        assertThat(source.lastError()).contains("spec.rules[0].maxConnections");
        write(file, routes("chat"));
        awaitRoutes("chat");
        assertThat(holder.loaded()).isTrue();
    }

    @Test
    void aFileOverFourMebibytesIsRefusedUnreadAndTheLastGoodRoutesStay() throws IOException {
        Path file = dir.resolve("routes.yaml");
        write(file, routes("chat"));
        start(file);
        RouteTable good = holder.current();

        // a valid YAML document with one 10 MB header value: refused by size, never parsed or validated
        String huge = routes("chat") + "  http: {backends: [{endpoints: ['127.0.0.1:9001']}]}\n# " + "x".repeat(10_000_000) + "\n";
        write(file, huge);

        await().atMost(WITHIN).untilAsserted(() -> assertThat(source.lastError())
                .contains("more than the limit of " + RoutesFileSource.MAX_FILE_BYTES + " bytes (4 MiB)"));
        assertThat(holder.current()).isSameAs(good);
    }

    /** A relative path is read from the working directory: a typo or another directory must say where it looked. */
    @Test
    void aMissingRelativeFileNamesTheSettingAndThePathItLookedFor() {
        Path missing = Path.of("no-such-dir-" + System.nanoTime(), "routes.yaml");

        start(missing);

        assertThat(holder.loaded()).isFalse();
        assertThat(source.lastError()).isEqualTo(missing + ": not found (looked for " + missing.toAbsolutePath()
                + "); keeping the last good routes (set wsroute.routes-file)");
    }

    @Test
    void deletedFileKeepsTheTableAndARestoredFileIsApplied() throws IOException {
        Path file = dir.resolve("routes.yaml");
        write(file, routes("chat"));
        start(file);
        RouteTable good = holder.current();

        Files.delete(file);

        await().atMost(WITHIN).untilAsserted(() -> assertThat(source.lastError()).contains("not found"));
        assertThat(holder.current()).isSameAs(good);

        write(file, routes("chat", "restored"));
        awaitRoutes("chat", "restored");
        assertThat(source.lastError()).isNull();
    }

    @Test
    void restoringTheSameContentAfterADeleteClearsTheError() throws IOException {
        Path file = dir.resolve("routes.yaml");
        write(file, routes("chat"));
        start(file);

        Files.delete(file);
        await().atMost(WITHIN).untilAsserted(() -> assertThat(source.lastError()).contains("not found"));
        write(file, routes("chat"));

        await().atMost(WITHIN).untilAsserted(() -> assertThat(source.lastError()).isNull());
        assertThat(names()).containsExactly("chat");
    }

    @Test
    void aTornInPlaceWriteIsNotPublished() throws IOException {
        // An in-place write truncates the file first: a poll may read it empty, or cut short. Publishing that
        // would drop every route for a poll period, and drain every open connection.
        Path file = dir.resolve("routes.yaml");
        write(file, routes("chat", "feed"));
        source = new RoutesFileSource(file, holder, NO_TLS);
        source.poll();
        source.poll();
        assertThat(names()).containsExactly("chat", "feed");

        write(file, ""); // the moment after O_TRUNC
        source.poll();
        write(file, routes("chat", "feed", "news"));
        source.poll();
        source.poll();

        assertThat(names()).containsExactly("chat", "feed", "news");
        assertThat(published).extracting(t -> t.routes().size()).as("no table without routes was published")
                .doesNotContain(0);
    }

    @Test
    void aFileThatMakesTableBuildingThrowIsReportedAndWatchingGoesOn() throws IOException {
        Path file = dir.resolve("routes.yaml");
        write(file, routes("chat"));
        Function<List<JsonNode>, TlsResolver> fragile = secrets -> {
            if (!secrets.isEmpty()) {
                throw new IllegalStateException("bad certificate");
            }
            return TlsResolver.NONE;
        };
        source = new RoutesFileSource(file, holder, fragile).start();

        write(file, routes("chat") + "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n");
        await().atMost(WITHIN).untilAsserted(() -> assertThat(source.lastError()).contains("bad certificate"));
        assertThat(names()).containsExactly("chat");

        write(file, routes("chat", "later"));
        awaitRoutes("chat", "later");
    }
    @Test
    void aRewrittenCertificateFileIsAReloadToo() throws IOException {
        Path file = dir.resolve("routes.yaml");
        Files.writeString(dir.resolve("tls.crt"), "first certificate");
        Files.writeString(dir.resolve("tls.key"), "first key");
        Files.writeString(file, """
                apiVersion: wsroute.dev/v1alpha1
                kind: WebSocketRoute
                metadata: {name: secure}
                spec:
                  hosts: [secure.example.com]
                  tls: {certFile: tls.crt, keyFile: tls.key}
                  rules:
                    - backends: [{endpoints: ['127.0.0.1:9001']}]
                """);
        start(file);
        long first = holder.current().version();
        Files.writeString(dir.resolve("tls.crt"), "rotated certificate"); // as cert-manager or certbot would
        await().atMost(WITHIN).until(() -> holder.current().version() > first);
        assertThat(names()).containsExactly("secure");
    }
}

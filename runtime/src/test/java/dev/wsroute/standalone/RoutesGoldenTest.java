package dev.wsroute.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import dev.wsroute.table.EndpointSource;
import dev.wsroute.table.RouteTable;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.tls.TlsProblem;
import dev.wsroute.tls.TlsResolver;

/**
 * Golden files for the standalone translation: each {@code golden/standalone/<case>.in.yaml} is a routes file;
 * {@code <case>.out.yaml} is what {@link RoutesDocuments} and {@link TableBuilder} made of it, as rendered by
 * {@link StandaloneSummary}. Run with {@code -Dgolden.update=true} to rewrite the outputs (and delete outputs
 * whose input is gone), then review the YAML diff.
 */
class RoutesGoldenTest {
    private static final String IN = ".in.yaml";
    private static final String OUT = ".out.yaml";
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");

    /** The source tree, not target/test-classes, so that an update lands where reviewers see it. */
    private static Path casesDir() {
        Path base = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        if (!Files.isDirectory(base.resolve("src/test/resources")) && Files.isDirectory(base.resolve("runtime/src/test/resources"))) {
            base = base.resolve("runtime"); // run from the repository root (an IDE, say)
        }
        return base.resolve("src/test/resources/golden/standalone");
    }

    @TestFactory
    Stream<DynamicTest> everyCaseMatchesItsGoldenOutput() throws IOException {
        Path dir = casesDir();
        List<Path> inputs;
        try (Stream<Path> files = Files.list(dir)) {
            inputs = files.filter(p -> p.getFileName().toString().endsWith(IN)).sorted().toList();
        }
        assertThat(inputs).as("golden cases in %s", dir).isNotEmpty();
        List<DynamicTest> tests = new ArrayList<>();
        for (Path in : inputs) {
            String name = in.getFileName().toString();
            String caseName = name.substring(0, name.length() - IN.length());
            tests.add(DynamicTest.dynamicTest(caseName, in.toUri(), () -> check(in, dir.resolve(caseName + OUT))));
        }
        tests.add(DynamicTest.dynamicTest("no orphaned outputs", () -> orphans(dir)));
        return tests.stream();
    }

    private static void check(Path in, Path out) throws IOException {
        String actual = translate(in.getFileName().toString(), Files.readAllBytes(in));
        if (UPDATE) {
            Files.writeString(out, actual, StandardCharsets.UTF_8);
            return;
        }
        assertThat(out).as("golden output for %s (run with -Dgolden.update=true to create it)", in.getFileName()).exists();
        assertThat(actual).as("%s (run with -Dgolden.update=true to accept, then review the diff)", out.getFileName())
                .isEqualTo(Files.readString(out, StandardCharsets.UTF_8));
    }

    /** What the standalone mode does with a routes file, minus publishing. */
    static String translate(String fileName, byte[] content) {
        RoutesDocuments.Parsed parsed = RoutesDocuments.parse(fileName, content);
        if (!parsed.valid()) {
            return StandaloneSummary.render(parsed, null, List.of());
        }
        List<TlsProblem> problems = new ArrayList<>();
        RouteTable table = new TableBuilder(EndpointSource.STATIC, TlsResolver.NONE).build(1, parsed.routes(), problems::add);
        return StandaloneSummary.render(parsed, table, problems);
    }

    private static void orphans(Path dir) throws IOException {
        List<Path> orphans;
        try (Stream<Path> files = Files.list(dir)) {
            orphans = files.filter(p -> p.getFileName().toString().endsWith(OUT))
                    .filter(p -> {
                        String n = p.getFileName().toString();
                        return !Files.exists(dir.resolve(n.substring(0, n.length() - OUT.length()) + IN));
                    })
                    .sorted().toList();
        }
        if (UPDATE) {
            orphans.forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            return;
        }
        assertThat(orphans).as("outputs without an input (run with -Dgolden.update=true to delete them)").isEmpty();
    }
}

package dev.wsroute.operator.translate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import dev.wsroute.table.RouteTable;
import dev.wsroute.table.TableBuilder;
import dev.wsroute.tls.TlsResolver;

/**
 * One case per {@code golden/<case>.in.yaml} (Kubernetes objects) compared with {@code <case>.out.yaml} (route
 * table and statuses). Run with {@code -Dgolden.update=true} to rewrite the outputs (and drop orphaned ones).
 */
class GoldenTranslationTest {
    private static final Path DIR = Path.of("src/test/resources/golden");
    private static final boolean UPDATE = Boolean.getBoolean("golden.update");
    private static final ObjectMapper OUT = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @TestFactory
    Stream<DynamicTest> cases() throws IOException {
        List<Path> inputs = new ArrayList<>();
        try (Stream<Path> files = Files.list(DIR)) {
            files.filter(p -> p.toString().endsWith(".in.yaml")).sorted().forEach(inputs::add);
        }
        assertThat(inputs).hasSizeGreaterThanOrEqualTo(8);
        if (UPDATE) {
            dropOrphans();
        }
        return inputs.stream().map(in -> DynamicTest.dynamicTest(caseName(in), () -> check(in)));
    }

    private static void check(Path in) throws IOException {
        Resources objects = ObjectsYaml.read(in);
        Translation t = new Translator().translate(objects);
        RouteTable table = new TableBuilder(t.table().endpoints(), TlsResolver.NONE).build(1, t.table().routes(), p -> {
        });
        String actual = OUT.writeValueAsString(GoldenSummary.of(table, t));
        Path out = DIR.resolve(caseName(in) + ".out.yaml");
        if (UPDATE) {
            Files.writeString(out, actual);
        }
        assertThat(out).as("expected output; run with -Dgolden.update=true to write it").exists();
        assertThat(actual).as(out + " (refresh with -Dgolden.update=true)").isEqualTo(Files.readString(out));
    }

    private static void dropOrphans() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path out : files.filter(p -> p.toString().endsWith(".out.yaml")).toList()) {
                String name = out.getFileName().toString().replace(".out.yaml", ".in.yaml");
                if (!Files.exists(DIR.resolve(name))) {
                    Files.delete(out);
                }
            }
        }
    }

    private static String caseName(Path in) {
        return in.getFileName().toString().replace(".in.yaml", "");
    }
}

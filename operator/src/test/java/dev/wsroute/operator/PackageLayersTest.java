package dev.wsroute.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The operator's packages import only downwards: {@code crd} ← {@code translate} ← {@code cluster}. Translation
 * is a pure function of the objects it is given, so it talks to no API server (no client, no informers).
 */
class PackageLayersTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/wsroute/operator");

    @ParameterizedTest
    @CsvSource({
            "crd, dev.wsroute.operator.translate.|dev.wsroute.operator.cluster.",
            "translate, dev.wsroute.operator.cluster.|io.fabric8.kubernetes.client.KubernetesClient"
                    + "|io.fabric8.kubernetes.client.dsl.|io.fabric8.kubernetes.client.informers."})
    void importsOnlyDownwards(String pkg, String forbidden) throws IOException {
        List<String> offending;
        try (Stream<Path> files = Files.walk(SOURCES.resolve(pkg))) {
            offending = files.filter(f -> f.toString().endsWith(".java")).flatMap(f -> {
                try {
                    return Files.readAllLines(f).stream().filter(l -> l.startsWith("import "))
                            .filter(l -> Stream.of(forbidden.split("\\|")).anyMatch(l::contains))
                            .map(l -> f.getFileName() + ": " + l);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
        assertThat(offending).as("imports from above %s", pkg).isEmpty();
    }
}

package dev.wsroute.operator.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The image's inputs, after {@code package} (failsafe runs this in integration-test, after Quarkus built
 * target/quarkus-app): everything Dockerfile.jvm copies exists, its entry point runs what it copied, its JVM flags are
 * ones a JVM accepts, and deploy/ runs the image the container-image build names. No engine is needed for any of it.
 */
class ImageIT {
    static final Path MODULE = Path.of("").toAbsolutePath();
    static final Path DOCKERFILE = MODULE.resolve("src/main/docker/Dockerfile.jvm");
    static final Pattern COPY = Pattern.compile("(?m)^COPY\\s+(?:--\\S+\\s+)*(.+?)\\s+(\\S+)\\s*$");

    @Test
    void everythingTheDockerfileCopiesExistsAfterPackage() throws IOException {
        Matcher m = COPY.matcher(Files.readString(DOCKERFILE));
        List<String> destinations = new ArrayList<>();
        int sources = 0;
        while (m.find()) {
            destinations.add(m.group(2));
            for (String source : m.group(1).split("\\s+")) {
                sources++;
                assertThat(matches(source)).as("Dockerfile.jvm copies %s: nothing there after package", source).isNotEmpty();
            }
        }
        assertThat(sources).as("COPY sources in Dockerfile.jvm").isGreaterThanOrEqualTo(5);
        assertThat(destinations).contains("/deployments/jvm.options", "/deployments/lib/", "/deployments/app/", "/deployments/quarkus/");
        assertThat(matches("target/quarkus-app/*.jar")).extracting(p -> p.getFileName().toString()).contains("quarkus-run.jar");
    }

    @Test
    void theEntryPointRunsTheFastJarAsUid185WithTheSharedFlags() throws IOException {
        String dockerfile = Files.readString(DOCKERFILE);
        assertThat(dockerfile).containsPattern("(?m)^ARG BASE_IMAGE=\\S+").containsPattern("(?m)^FROM \\$\\{BASE_IMAGE}")
                .containsPattern("(?m)^USER 185$")
                .contains("java @/deployments/jvm.options $JAVA_OPTS_APPEND -jar /deployments/quarkus-run.jar")
                .doesNotContainPattern("(?m)^RUN ");
    }

    @Test
    void theJvmOfTheImagesJavaReleaseAcceptsTheShippedFlags() throws Exception {
        Matcher base = Pattern.compile("(?m)^ARG BASE_IMAGE=eclipse-temurin:(\\d+)-jre$").matcher(Files.readString(DOCKERFILE));
        assertThat(base.find()).as("Dockerfile.jvm's default BASE_IMAGE is a Temurin JRE of one Java release").isTrue();
        String release = base.group(1);
        Path java = javaOfRelease(release);
        assertThat(java).as("a JDK %s to try the image's flags with (here or under /usr/lib/jvm)", release).isNotNull();
        String out = run(java.toString(), "@" + MODULE.resolve("src/main/docker/jvm.options"), "-XX:+PrintCommandLineFlags",
                "-XshowSettings:properties", "-version");
        assertThat(out).contains("-XX:+UseSerialGC", "-XX:MaxHeapSize=", "java.specification.version = " + release,
                "jdk.tls.rejectClientInitiatedRenegotiation = true");
    }

    /** This JVM if it is of that release, else a JDK of it under /usr/lib/jvm (where Debian and Temurin install). */
    private static Path javaOfRelease(String release) throws IOException {
        if (String.valueOf(Runtime.version().feature()).equals(release)) {
            return Path.of(System.getProperty("java.home"), "bin", "java");
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return null;
        }
        try (Stream<Path> homes = Files.list(jvms)) {
            for (Path home : homes.sorted().toList()) {
                Path releaseFile = home.resolve("release");
                if (Files.isExecutable(home.resolve("bin/java")) && Files.isRegularFile(releaseFile)
                        && Files.readString(releaseFile).contains("JAVA_VERSION=\"" + release + ".")) {
                    return home.resolve("bin/java");
                }
            }
        }
        return null;
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void deployRunsTheImageTheBuildNames() throws IOException {
        Properties props = new Properties();
        try (var in = Files.newBufferedReader(MODULE.resolve("src/main/resources/application.properties"))) {
            props.load(in);
        }
        String built = props.getProperty("quarkus.container-image.group") + "/" + props.getProperty("quarkus.container-image.name")
                + ":" + props.getProperty("quarkus.container-image.tag");
        List<String> images = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MODULE.resolve("../deploy"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                Matcher m = Pattern.compile("(?m)^\\s*image:\\s*(\\S*wsroute\\S*)\\s*$").matcher(Files.readString(f));
                while (m.find()) {
                    images.add(m.group(1));
                }
            }
        }
        assertThat(images).as("wsroute images in deploy/").isNotEmpty().allMatch(built::equals);
    }

    private static List<Path> matches(String source) throws IOException {
        Path literal = MODULE.resolve(source);
        if (!source.contains("*")) {
            return Files.exists(literal) ? List.of(literal) : List.of();
        }
        PathMatcher glob = FileSystems.getDefault().getPathMatcher("glob:" + literal);
        try (Stream<Path> files = Files.list(literal.getParent())) {
            return files.filter(glob::matches).toList();
        }
    }
}

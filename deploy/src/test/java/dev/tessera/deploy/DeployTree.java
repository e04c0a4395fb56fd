package dev.tessera.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The files under test: deploy/k8s, deploy/docker, and the repository root they refer to. */
final class DeployTree {
    static final String FLINK_DEPLOYMENT = "FlinkDeployment";
    static final String KUSTOMIZATION = "kustomization.yaml";

    private static List<Manifest> manifests;

    private DeployTree() {
    }

    /** The deploy module's folder (surefire passes it; the working directory otherwise). */
    static Path deploy() {
        return Path.of(System.getProperty("tessera.deploy.dir", ".")).toAbsolutePath().normalize();
    }

    static Path root() {
        return Path.of(System.getProperty("tessera.root.dir", deploy().resolve("..").toString())).toAbsolutePath().normalize();
    }

    static Path k8s() {
        return deploy().resolve("k8s");
    }

    static Dockerfile dockerfile(String name) {
        return Dockerfile.read(deploy().resolve("docker").resolve(name));
    }

    /** The manifest files of deploy/k8s (every *.yaml but the kustomization), sorted by name. */
    static List<Path> manifestFiles() {
        try (Stream<Path> files = Files.list(k8s())) {
            return files.filter(p -> p.getFileName().toString().endsWith(".yaml"))
                    .filter(p -> !p.getFileName().toString().equals(KUSTOMIZATION)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static StrictManifests reader() {
        return new StrictManifests(Set.of(FLINK_DEPLOYMENT));
    }

    /** Every document of every manifest file, strictly typed (read once per test JVM). */
    static synchronized List<Manifest> manifests() {
        if (manifests == null) {
            List<Manifest> all = new ArrayList<>();
            for (Path file : manifestFiles()) {
                all.addAll(reader().read(file.getFileName().toString(), read(file)));
            }
            manifests = List.copyOf(all);
        }
        return manifests;
    }

    static Manifest find(String kind, String name) {
        return manifests().stream().filter(m -> m.kind().equals(kind) && m.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in " + k8s()));
    }

    static <T extends HasMetadata> T find(Class<T> type, String name) {
        return find(type.getSimpleName(), name).as(type);
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A property of the root pom.xml, where every version is pinned (e.g. {@code flink.version}). */
    static String rootPomProperty(String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">")
                .matcher(read(root().resolve("pom.xml")));
        if (!m.find()) {
            throw new AssertionError("the root pom.xml has no property " + name);
        }
        return m.group(1).strip();
    }
}

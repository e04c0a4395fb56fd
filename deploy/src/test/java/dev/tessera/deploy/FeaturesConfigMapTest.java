package dev.tessera.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.LoadResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The features ConfigMap is the commerce example, and loads as the kubelet lays it out in a pod. */
class FeaturesConfigMapTest {
    private final Map<String, String> data = DeployTree.find(ConfigMap.class, "tessera-features").getData();

    /**
     * The definitions only: the model registry in {@code models/} (skipped by the definitions loader) is not part of
     * this ConfigMap; flattened beside the definitions, its files would be read as definitions.
     */
    @Test
    void isTheCommerceExampleFlattened() throws IOException {
        Map<String, String> example = new TreeMap<>();
        Path commerce = DeployTree.root().resolve("examples/commerce");
        try (Stream<Path> files = Files.walk(commerce)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".yaml"))
                    .filter(p -> !commerce.relativize(p).startsWith(DefinitionLoader.MODELS_FOLDER)).toList()) {
                String previous = example.put(f.getFileName().toString(), Files.readString(f));
                assertThat(previous).as("file names must stay unique when flattened: " + f).isNull();
            }
        }
        assertThat(new TreeMap<>(data)).as("regenerate deploy/k8s/features-configmap.yaml (deploy/README.md)").isEqualTo(example);
    }

    /**
     * A ConfigMap volume is a folder of symlinks: {@code name -> ..data/name}, {@code ..data -> ..<timestamp>}.
     * The loader must read each definition once through them (hidden folders are skipped).
     */
    @Test
    void loadsFromAMountedConfigMapLayout(@TempDir Path mount) throws IOException {
        Path timestamped = Files.createDirectory(mount.resolve("..2026_11_26_12_00_00.000000001"));
        for (Map.Entry<String, String> e : data.entrySet()) {
            Files.writeString(timestamped.resolve(e.getKey()), e.getValue());
        }
        Files.createSymbolicLink(mount.resolve("..data"), timestamped.getFileName());
        for (String key : data.keySet()) {
            Files.createSymbolicLink(mount.resolve(key), Path.of("..data").resolve(key));
        }

        LoadResult loaded = DefinitionLoader.validate(mount);

        assertThat(loaded.problems()).isEmpty();
        Definitions example = DefinitionLoader.load(DeployTree.root().resolve("examples/commerce"));
        assertThat(loaded.definitions().groups().keySet()).isEqualTo(example.groups().keySet());
        assertThat(loaded.definitions().sources().keySet()).isEqualTo(example.sources().keySet());
        assertThat(loaded.definitions().entities().keySet()).isEqualTo(example.entities().keySet());
        assertThat(loaded.definitions().services().keySet()).isEqualTo(example.services().keySet());
    }
}

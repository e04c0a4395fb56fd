package dev.tessera.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.core.io.Folders;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The bundle's folder on a JVM: every file written out, and gone once deleted (what its exit hook does). */
class DefinitionBundleTest {
    @Test
    void writesEveryFileOutAndItsFolderCanBeDeletedWhole() throws Exception {
        DefinitionBundle bundle = DefinitionBundle.of(FlinkTests.EXAMPLES);
        Path dir = bundle.directory();
        assertThat(dir.resolve("sources.yaml")).exists();
        assertThat(Files.readString(dir.resolve("sources.yaml"))).isEqualTo(Files.readString(FlinkTests.EXAMPLES.resolve("sources.yaml")));
        assertThat(bundle.definitions().groups()).isNotEmpty();

        Path copy = Files.createTempDirectory("bundle-test");
        Files.createDirectories(copy.resolve("groups/nested"));
        Files.writeString(copy.resolve("groups/nested/a.yaml"), "x");
        Files.writeString(copy.resolve("b.yaml"), "y");
        assertThat(Folders.deleteTreeQuietly(copy)).isNull(); // what the exit hook calls
        assertThat(copy).doesNotExist();
    }
}

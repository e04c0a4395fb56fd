package dev.tessera.core.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FoldersTest {
    @TempDir
    Path tmp;

    private Path tree(String name) throws Exception {
        Path root = tmp.resolve(name);
        Files.createDirectories(root.resolve("a/b/c"));
        Files.writeString(root.resolve("top.txt"), "x");
        Files.writeString(root.resolve("a/b/mid.bin"), "y");
        Files.writeString(root.resolve("a/b/c/deep.txt"), "z");
        Files.createDirectories(root.resolve("empty"));
        return root;
    }

    @Test
    void deletesAFolderWithEverythingUnderIt() throws Exception {
        Path root = tree("spill");
        Path sibling = Files.writeString(tmp.resolve("keep.txt"), "kept");
        Folders.deleteTree(root);
        assertThat(root).doesNotExist();
        assertThat(sibling).hasContent("kept");
    }

    @Test
    void aMissingFolderIsNothingToDo() throws Exception {
        Folders.deleteTree(tmp.resolve("never-made"));
        assertThat(Folders.deleteTreeQuietly(tmp.resolve("never-made"))).isNull();
    }

    @Test
    void quietlyDeletesTooAndReportsNoError() throws Exception {
        Path root = tree("bench-state");
        assertThat(Folders.deleteTreeQuietly(root)).isNull();
        assertThat(root).doesNotExist();
    }

    @Test
    void aFileIsDeletedLikeAFolder() throws Exception {
        Path file = Files.writeString(tmp.resolve("single.txt"), "x");
        Folders.deleteTree(file);
        assertThat(file).doesNotExist();
    }
}

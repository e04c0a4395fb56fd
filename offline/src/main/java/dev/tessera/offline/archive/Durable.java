package dev.tessera.offline.archive;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Making files survive a crash: a file's bytes are forced to disk before it is renamed into place,
 * and a rename is durable once its folder is forced (POSIX: a rename is atomic, but it is the
 * folder's entry that records it).
 */
final class Durable {
    private Durable() {
    }

    static void force(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** Forces a folder's entries (renames, creations) to disk; a no-op where folders cannot be opened (Windows). */
    static void forceDir(Path dir) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (IOException | UnsupportedOperationException e) {
            return;
        }
        try (ch) {
            ch.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").toLowerCase().contains("win")) {
                throw e;
            }
        }
    }

    /** Atomically replaces {@code from}'s name by {@code to} (same folder); durable once the folder is forced. */
    static void rename(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Creates {@code dir} and any missing parents, forcing each parent whose entries changed. */
    static void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.getParent();
        if (parent != null) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return;
        }
        if (parent != null) {
            forceDir(parent);
        }
    }
}

package dev.tessera.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Deleting a work folder and everything under it: spills, temp copies, benchmark state. */
public final class Folders {
    private Folders() {}

    /**
     * Deletes {@code dir} and everything under it, deepest first; nothing to do when it does not
     * exist. Throws on the first file that cannot be deleted (it and what is above it stay).
     */
    public static void deleteTree(Path dir) throws IOException {
        for (Path p : deepestFirst(dir)) {
            Files.deleteIfExists(p);
        }
    }

    /**
     * As {@link #deleteTree}, for callers with nobody to report to (JVM exit, a benchmark's clean-up):
     * deletes all it can and returns the first error, or null when {@code dir} is gone.
     */
    public static IOException deleteTreeQuietly(Path dir) {
        List<Path> all;
        try {
            all = deepestFirst(dir);
        } catch (IOException e) {
            return e;
        }
        IOException first = null;
        for (Path p : all) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        return first;
    }

    private static List<Path> deepestFirst(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.sorted(Comparator.reverseOrder()).toList();
        } catch (UncheckedIOException e) { // a file vanished or became unreadable during the walk
            throw e.getCause();
        }
    }
}

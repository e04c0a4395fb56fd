package dev.tessera.offline.spill;

import dev.tessera.core.io.Folders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work folders of offline jobs that may run side by side (training sets, consistency checks): each
 * names the pid of the JVM using it, so the next job of the same kind can delete the folders a killed
 * one left behind (its spill files, gigabytes for a large spine) without touching a running one's.
 */
public final class WorkFolders {
    /** In each work folder: the pid of the JVM using it. */
    public static final String OWNER_FILE = "owner.pid";
    private static final Logger LOG = LoggerFactory.getLogger(WorkFolders.class);

    private WorkFolders() {}

    /**
     * Deletes the {@code prefix}* folders of {@code parent} whose owner no longer runs, then creates a
     * new one owned by this JVM. Folders of running jobs, in this JVM or another, are left alone; so
     * is a folder without an owner file (a job that has only just created it).
     */
    public static Path create(Path parent, String prefix) throws IOException {
        Files.createDirectories(parent);
        removeAbandoned(parent, prefix);
        Path work = Files.createTempDirectory(parent, prefix);
        Files.writeString(work.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
        return work;
    }

    static void removeAbandoned(Path parent, String prefix) throws IOException {
        List<Path> candidates;
        try (var list = Files.list(parent)) {
            candidates = list.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p)).toList();
        }
        for (Path dir : candidates) {
            long pid;
            try {
                pid = Long.parseLong(Files.readString(dir.resolve(OWNER_FILE)).trim());
            } catch (IOException | NumberFormatException e) {
                continue; // no owner yet, or not ours to judge
            }
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            IOException e = Folders.deleteTreeQuietly(dir);
            if (e != null) {
                LOG.warn("could not delete the abandoned work folder {}: {}", dir, e.toString());
            }
        }
    }
}

package dev.tessera.offline.archive;

import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One {@link Archiver} per source of the definitions, started and stopped together (what {@code tessera run} runs). */
public final class Archivers implements AutoCloseable {
    private final List<Archiver> archivers;

    private Archivers(List<Archiver> archivers) {
        this.archivers = archivers;
    }

    /** Starts archiving every source of {@code defs} under {@code archiveRoot}; all or none. */
    public static Archivers start(Definitions defs, Path definitionsDir, Path archiveRoot, ArchiveConfig config) {
        List<Archiver> started = new ArrayList<>();
        try {
            for (Source s : defs.sources().values()) {
                started.add(Archiver.start(defs, definitionsDir, s, archiveRoot, config));
            }
        } catch (RuntimeException e) {
            started.forEach(Archiver::close);
            throw e;
        }
        return new Archivers(List.copyOf(started));
    }

    public List<Archiver> all() {
        return archivers;
    }

    /** The first failure of any archiver, or null while all run. */
    public Throwable failure() {
        for (Archiver a : archivers) {
            if (a.failure() != null) {
                return a.failure();
            }
        }
        return null;
    }

    /** Waits until each archiver has committed everything in its topic at the time of the call. */
    public void awaitCaughtUp(java.time.Duration timeout) throws java.util.concurrent.TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Archiver a : archivers) {
            a.awaitCaughtUp(java.time.Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
    }

    /** Stops every archiver after its final commit. */
    @Override
    public void close() {
        for (Archiver a : archivers) {
            a.close();
        }
    }
}

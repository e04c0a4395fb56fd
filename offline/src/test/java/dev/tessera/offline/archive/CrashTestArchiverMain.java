package dev.tessera.offline.archive;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The archiver in a child JVM for {@link ArchiverCrashTest}: args are the bootstrap servers, the
 * definitions folder and the archive folder. Commits every 20 ms (and every 300 rows or 4 open
 * files), so a kill lands anywhere: while reading, writing files, renaming them or writing
 * manifests. Prints STARTED once running, then every few milliseconds {@code IN <n>}, the records
 * read by this process so far, until killed.
 */
public final class CrashTestArchiverMain {
    private CrashTestArchiverMain() {
    }

    public static void main(String[] args) throws Exception {
        Path defsDir = Path.of(args[1]);
        Definitions defs = DefinitionLoader.load(defsDir);
        ArchiveConfig config = ArchiveConfig.defaults(args[0]).withCommitInterval(Duration.ofMillis(20)).withBounds(300, 4);
        Archiver a = Archiver.start(defs, defsDir, defs.source("payments").orElseThrow(), Path.of(args[2]), config);
        System.out.println("STARTED");
        System.out.flush();
        while (a.failure() == null) {
            System.out.println("IN " + a.counters().getOrDefault("in", 0L));
            System.out.flush();
            Thread.sleep(2);
        }
        System.out.println("FAILED " + a.failure());
        System.exit(3);
    }
}

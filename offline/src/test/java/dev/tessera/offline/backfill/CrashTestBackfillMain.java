package dev.tessera.offline.backfill;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.offline.archive.ArchiveReader;
import dev.tessera.offline.archive.EventScan;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * A backfill in a child JVM for {@link BackfillCrashTest}, opened as {@code tessera backfill --group G}
 * opens it (the online store {@code <data>/store}, the archive's next offsets as the cut-over check,
 * {@code <data>/tmp} as the work folder): args are the definitions folder, the data folder, the group
 * and the number of buckets. Prints {@code SCAN <n>} every 250 archived events read, {@code SCANNED}
 * when the archive pass ends, {@code TILES <b>} once bucket {@code b} (1 to buckets) is written to the
 * store, then {@code DONE <events applied> <entities written> <milliseconds from SCANNED to the end>}.
 */
public final class CrashTestBackfillMain {
    private CrashTestBackfillMain() {
    }

    public static void main(String[] args) throws Exception {
        Path defsDir = Path.of(args[0]);
        Path data = Path.of(args[1]);
        String group = args[2];
        int buckets = Integer.parseInt(args[3]);
        Definitions defs = DefinitionLoader.load(defsDir);
        String source = defs.sourceOf(defs.group(group).orElseThrow()).name();
        ArchiveReader archive = ArchiveReader.open(data.resolve("archive"), source);
        Map<Integer, Long> next = archive.nextOffsets();
        long[] archived = new long[next.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1];
        Arrays.fill(archived, -1);
        next.forEach((p, o) -> archived[p] = o);
        long[] scanned = {0};
        long[] scannedAt = {System.nanoTime()};
        EventScan reporting = (from, until, sink) -> archive.forEach(from, until, e -> {
            if (++scanned[0] % 250 == 0) {
                System.out.println("SCAN " + scanned[0]);
                System.out.flush();
            }
            sink.accept(e);
        });
        try (TileStore store = RocksDbTileStore.open(data.resolve("store"))) {
            Backfill.Options o = new Backfill.Options(group, null, null, data.resolve("tmp"), buckets);
            Backfill.Report r = new Backfill(defs, defsDir, store).run(o, reporting, archived, (phase, done, total) -> {
                if (phase.equals("archive") && done == total) {
                    scannedAt[0] = System.nanoTime();
                    System.out.println("SCANNED");
                } else if (phase.equals("tiles")) {
                    System.out.println("TILES " + done);
                }
                System.out.flush();
            });
            System.out.println("DONE " + r.eventsApplied() + " " + r.entitiesWritten() + " " + (System.nanoTime() - scannedAt[0]) / 1_000_000);
        }
    }
}

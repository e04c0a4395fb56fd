package dev.tessera.offline.archive;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Writes events straight into a committed archive, through the archiver's own writer and commit
 * protocol but without Kafka: for tests that need archives too large to produce and archive in the
 * time a test may take (the archiver runs at ~85,000 rows/s). Files are per partition and event
 * hour, committed every {@code commitRows} rows, as the archiver makes them.
 */
public final class ArchiveFixture {
    private ArchiveFixture() {
    }

    /** One archived event; {@code keys} in the order of the {@code keyFields} given to {@link #write}. */
    public record Row(int partition, long offset, long ingestTime, long eventTime, String id, String[] keys, byte[] raw) {}

    /** Writes {@code rows} (offsets increasing per partition) to the archive of {@code source} under {@code archiveRoot}. */
    public static void write(Path archiveRoot, String source, List<String> keyFields, Iterator<Row> rows, int commitRows) throws IOException {
        Path dir = ArchiveLayout.sourceDir(archiveRoot, source);
        Durable.createDirectories(dir);
        ArchiveWriter writer = new ArchiveWriter(dir, source, ArchiveSchema.of(source, keyFields), 16L << 20);
        Map<Integer, long[]> ranges = new HashMap<>();
        Map<Integer, Long> maxTimes = new HashMap<>();
        while (rows.hasNext()) {
            Row r = rows.next();
            writer.append(r.partition(), r.offset(), r.ingestTime(), r.eventTime(), r.id(), r.keys(), r.raw());
            ranges.computeIfAbsent(r.partition(), p -> new long[] {r.offset(), r.offset()})[1] = r.offset();
            maxTimes.merge(r.partition(), r.eventTime(), Math::max);
            if (writer.bufferedRows() >= commitRows || writer.openFiles() >= 64) {
                writer.commit(ranges, maxTimes, System.currentTimeMillis());
                ranges.clear();
            }
        }
        if (!ranges.isEmpty()) {
            writer.commit(ranges, maxTimes, System.currentTimeMillis());
        }
    }
}

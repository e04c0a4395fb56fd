package dev.tessera.offline.archive;

import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.core.event.SourceFields;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoder;
import dev.tessera.runtime.decode.EventDecoders;
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

    /**
     * Writes {@code rows} (offsets increasing per partition) to the archive of {@code source} under
     * {@code archiveRoot}, with the source's typed columns (format 2) filled as the archiver fills
     * them: from each row's record decoded by the source's decoder.
     */
    public static void write(Path archiveRoot, Definitions defs, Path definitionsDir, Source source, List<String> keyFields, Iterator<Row> rows,
            int commitRows) throws IOException {
        TypedColumns typed = TypedColumns.of(defs, definitionsDir, source, EventDecoders.DEFAULT_MAX_RECORD_BYTES);
        EventDecoder decoder = EventDecoders.forSource(source, definitionsDir, SourceFields.layout(defs, source));
        write(archiveRoot, source.name(), keyFields, typed, raw -> {
            Decoded d = decoder.decode(raw);
            if (!d.isAccepted()) {
                throw new IllegalArgumentException("a fixture row does not decode: " + d.message());
            }
            return typed.values(d.event());
        }, rows, commitRows);
    }

    /** As {@link #write(Path, Definitions, Path, Source, List, Iterator, int)}, without typed columns (readers decode every row). */
    public static void write(Path archiveRoot, String source, List<String> keyFields, Iterator<Row> rows, int commitRows) throws IOException {
        write(archiveRoot, source, keyFields, TypedColumns.none(), raw -> new Object[0], rows, commitRows);
    }

    private static void write(Path archiveRoot, String source, List<String> keyFields, TypedColumns typed,
            java.util.function.Function<byte[], Object[]> values, Iterator<Row> rows, int commitRows) throws IOException {
        Path dir = ArchiveLayout.sourceDir(archiveRoot, source);
        Durable.createDirectories(dir);
        ArchiveWriter writer = new ArchiveWriter(dir, source, ArchiveSchema.of(source, keyFields, typed), 16L << 20);
        Map<Integer, long[]> ranges = new HashMap<>();
        Map<Integer, Long> maxTimes = new HashMap<>();
        while (rows.hasNext()) {
            Row r = rows.next();
            writer.append(r.partition(), r.offset(), r.ingestTime(), r.eventTime(), r.id(), r.keys(), values.apply(r.raw()), r.raw());
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

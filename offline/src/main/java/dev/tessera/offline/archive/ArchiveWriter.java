package dev.tessera.offline.archive;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.avro.generic.GenericRecord;

/**
 * The files of the commit being written, and the commit that makes them part of the archive.
 *
 * <h2>Commit, in this order</h2>
 * <ol>
 *   <li>every open file is closed (footer written), forced to disk (all of them, several at a time),
 *       and renamed from its in-progress name to its final name {@code p<partition>-<first>-<last>.parquet};
 *       then their folders are forced, so the renames are durable;</li>
 *   <li>for each partition read since the last commit, its manifest {@code p<partition>-<first>-<last>.json}
 *       is written to a temp file, forced, and renamed into {@code _manifests/}: the one atomic step
 *       that commits that partition's range. Then {@code _manifests/} is forced.</li>
 * </ol>
 * A crash before a partition's manifest is in place leaves its files unnamed by any manifest
 * (readers never see them; the next start deletes them) and its offsets uncovered (the next start
 * reads them again). A crash after leaves the commit complete. Partitions commit independently.
 *
 * <p>Memory: each open file buffers at most one row group (compressed pages) before writing it out,
 * so what is held is bounded by the rows since the last commit and by open files times the row
 * group size; the archiver commits early when either grows past its bound. An import, which writes
 * one event hour after the other, {@linkplain #sealAll() seals} each hour's file as it finishes it:
 * the file is closed (nothing of it stays in memory) but stays in-progress until the commit. Not
 * thread-safe.
 */
final class ArchiveWriter {
    private record FileKey(int partition, long hourStart) {}

    private static final class OpenFile {
        final int partition;
        final String hourDir;
        final Path temp;
        ParquetWriter<GenericRecord> writer; // null once closed: a closed writer still holds its page buffers
        long rows;
        long minEventTime = Long.MAX_VALUE;
        long maxEventTime = Long.MIN_VALUE;

        OpenFile(int partition, String hourDir, Path temp, ParquetWriter<GenericRecord> writer) {
            this.partition = partition;
            this.hourDir = hourDir;
            this.temp = temp;
            this.writer = writer;
        }
    }

    private final Path sourceDir;
    private final String source;
    private final ArchiveSchema schema;
    private final long rowGroupBytes;
    private final Map<FileKey, OpenFile> open = new LinkedHashMap<>();
    private final Map<FileKey, OpenFile> sealed = new LinkedHashMap<>();
    /** Folders whose entries changed when hour folders were created: forced with the commit. */
    private final Set<Path> createdIn = new LinkedHashSet<>();
    private int bufferedRows;

    ArchiveWriter(Path sourceDir, String source, ArchiveSchema schema, long rowGroupBytes) {
        this.sourceDir = sourceDir;
        this.source = source;
        this.schema = schema;
        this.rowGroupBytes = rowGroupBytes;
    }

    /** True when a row of {@code partition} at {@code eventTime} goes to a file already open. */
    boolean isOpen(int partition, long eventTime) {
        return open.containsKey(new FileKey(partition, ArchiveLayout.hourStart(eventTime)));
    }

    int openFiles() {
        return open.size();
    }

    /** Rows appended since the last commit. */
    int bufferedRows() {
        return bufferedRows;
    }

    /** One row; {@code values} in the order of the schema's typed columns ({@link TypedColumns#values}). */
    void append(int partition, long offset, long ingestTime, long eventTime, String id, String[] keys, Object[] values, byte[] raw)
            throws IOException {
        long hour = ArchiveLayout.hourStart(eventTime);
        FileKey key = new FileKey(partition, hour);
        OpenFile f = open.get(key);
        if (f == null) {
            if (sealed.containsKey(key)) {
                throw new IllegalStateException("the file of partition " + partition + " and hour " + ArchiveLayout.hourDir(hour)
                        + " was sealed in this commit; commit before appending to that hour again");
            }
            String hourDir = ArchiveLayout.hourDir(hour);
            Path dir = sourceDir.resolve(hourDir);
            Durable.createDirectories(dir, createdIn);
            Path temp = dir.resolve(ArchiveLayout.inProgressName(partition, offset));
            f = new OpenFile(partition, hourDir, temp, ParquetFiles.writer(temp, schema, rowGroupBytes));
            open.put(key, f);
        }
        f.writer.write(schema.record(partition, offset, ingestTime, eventTime, id, keys, values, raw));
        f.rows++;
        f.minEventTime = Math.min(f.minEventTime, eventTime);
        f.maxEventTime = Math.max(f.maxEventTime, eventTime);
        bufferedRows++;
    }

    /**
     * Closes every open file (its footer written, nothing of it kept in memory); the files stay
     * in-progress until {@link #commit}, which names them like open ones. Their (partition, hour)
     * cannot take rows again before that commit.
     */
    void sealAll() throws IOException {
        for (Map.Entry<FileKey, OpenFile> e : open.entrySet()) {
            e.getValue().writer.close();
            e.getValue().writer = null;
            sealed.put(e.getKey(), e.getValue());
        }
        open.clear();
    }

    /**
     * Commits: see the class comment.
     *
     * @param ranges        partition to {first offset, last offset} read since its last commit; must
     *                      include every partition with rows appended
     * @param maxEventTimes partition to the greatest event time archived from it so far
     * @return the manifests written, by partition
     */
    List<Manifest> commit(Map<Integer, long[]> ranges, Map<Integer, Long> maxEventTimes, long now) throws IOException {
        Map<Integer, List<Manifest.FileEntry>> filesOf = new TreeMap<>();
        Set<Path> dirs = new LinkedHashSet<>();
        sealAll();
        List<Path> temps = new ArrayList<>();
        for (OpenFile f : sealed.values()) {
            if (!ranges.containsKey(f.partition)) {
                throw new IllegalStateException("partition " + f.partition + " has rows but no offset range to commit");
            }
            temps.add(f.temp);
        }
        Durable.forceAll(temps, false);
        for (OpenFile f : sealed.values()) {
            long[] range = ranges.get(f.partition);
            String name = ArchiveLayout.dataFileName(f.partition, range[0], range[1]);
            Durable.rename(f.temp, f.temp.resolveSibling(name));
            dirs.add(f.temp.getParent());
            filesOf.computeIfAbsent(f.partition, p -> new ArrayList<>())
                    .add(new Manifest.FileEntry(f.hourDir + "/" + name, f.rows, f.minEventTime, f.maxEventTime));
        }
        sealed.clear();
        bufferedRows = 0;
        dirs.addAll(createdIn); // the new hour folders' entries, before any manifest can name a file in them
        createdIn.clear();
        Durable.forceAll(dirs, true);
        Path manifestDir = sourceDir.resolve(ArchiveLayout.MANIFESTS);
        Durable.createDirectories(manifestDir);
        List<Manifest> written = new ArrayList<>();
        for (Map.Entry<Integer, long[]> e : new TreeMap<>(ranges).entrySet()) {
            int p = e.getKey();
            long[] range = e.getValue();
            Manifest m = new Manifest(source, p, range[0], range[1], maxEventTimes.getOrDefault(p, Long.MIN_VALUE), now,
                    List.copyOf(filesOf.getOrDefault(p, List.of())));
            Path target = manifestDir.resolve(ArchiveLayout.manifestName(p, range[0], range[1]));
            Path temp = target.resolveSibling(ArchiveLayout.tempName(target.getFileName().toString()));
            java.nio.file.Files.write(temp, m.toJson());
            Durable.force(temp);
            Durable.rename(temp, target);
            written.add(m);
        }
        Durable.forceDir(manifestDir);
        return written;
    }

    /** Closes the open files without committing them (they stay in-progress files, deleted at the next start). */
    void abandon() {
        for (OpenFile f : open.values()) {
            try {
                f.writer.close();
            } catch (IOException | RuntimeException ignored) {
                // the file is discarded anyway
            }
        }
        open.clear();
        sealed.clear();
        createdIn.clear();
        bufferedRows = 0;
    }
}

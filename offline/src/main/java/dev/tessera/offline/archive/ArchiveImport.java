package dev.tessera.offline.archive;

import dev.tessera.core.io.ProcessLock;
import dev.tessera.api.TesseraException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import org.apache.avro.Schema;

/**
 * The archive side of {@code tessera import}: appends rows that were never in Kafka to a source's
 * archive, through the archiver's own commit protocol ({@link ArchiveWriter}, ADR 008 "Import").
 *
 * <h2>Rows and their numbers</h2>
 * Imported rows are partition {@value ArchivedEvent#IMPORTED}. Each gets the next number of the
 * source's <em>import sequence</em> as its offset; a commit covers a range of it
 * {@code [first, last]} without gaps, in a manifest {@code _manifests/p-1-<first>-<last>.json}, and
 * the next number is one past the greatest committed ({@link CommittedArchive#nextImportSequence()}).
 * So (partition, offset) stays unique over the whole archive, readers need no change, and an
 * uncommitted range is simply numbered again by the next import.
 *
 * <h2>Exactly once</h2>
 * The same protocol as the archiver: rows go to in-progress files, and a {@link #commit()} renames
 * them and then writes one manifest atomically, so a commit is visible whole or not at all. Opening
 * takes the source's {@link ProcessLock} ({@code .lock}) (refused while an archiver runs or another import does) and
 * deletes whatever a crashed writer left. What a re-run must not add twice is the importer's business:
 * it checks every row against the rows already committed ({@link #forEachArchived}).
 *
 * <p>Rows must come one event hour at a time ({@link #endHour()} between hours): at most one file is
 * open, so memory is one row group whatever the size of the import. Not thread-safe.
 */
public final class ArchiveImport implements AutoCloseable {
    private static final Schema ID_COLUMNS = ArchiveSchema.idProjection();
    private static final Schema ID_RAW_COLUMNS = ArchiveSchema.idAndRawProjection();

    /** What one commit made visible. */
    public record Commit(long firstSequence, long lastSequence, long rows, int files) {}

    /** Receives the id of an archived row, and its bytes when asked for and the row has no id. */
    @FunctionalInterface
    public interface ArchivedRowSink {
        void accept(String id, byte[] rawWhenNoId);
    }

    private final String source;
    private final Path sourceDir;
    private final ProcessLock lock;
    private final ArchiveWriter writer;
    private final long ingestTime;
    private final TreeMap<Long, List<ArchivedFile>> filesByHour = new TreeMap<>();
    private final int removed;
    private long next;
    private long committedNext;
    private long maxEventTime;

    private ArchiveImport(String source, Path sourceDir, ProcessLock lock, ArchiveSchema schema, long rowGroupBytes,
                          long ingestTime) throws IOException {
        this.source = source;
        this.sourceDir = sourceDir;
        this.lock = lock;
        this.ingestTime = ingestTime;
        this.writer = new ArchiveWriter(sourceDir, source, schema, rowGroupBytes);
        CommittedArchive committed = CommittedArchive.load(sourceDir);
        this.removed = committed.removeUncommitted();
        for (ArchivedFile f : committed.files()) {
            filesByHour.computeIfAbsent(ArchiveLayout.hourStart(f.minEventTime()), h -> new ArrayList<>()).add(f);
        }
        this.next = committed.nextImportSequence();
        this.committedNext = next;
        long max = Long.MIN_VALUE;
        for (Manifest m : committed.manifests) {
            if (m.partition() == ArchivedEvent.IMPORTED) {
                max = Math.max(max, m.maxEventTime());
            }
        }
        this.maxEventTime = max;
    }

    /**
     * Opens the archive of {@code source} under {@code archiveRoot} for an import: takes its lock and
     * deletes what a crashed archiver or import left uncommitted.
     *
     * @param keyFields  the source's key fields, in {@code EventRules.keyFields()} order: the key columns
     * @param typed      the source's typed columns; {@link #append} takes their values
     * @param ingestTime the {@code _ingest_time} of every row (the time the import started)
     * @throws TesseraException when an archiver or another import holds the archive (saying which), or a
     *                          manifest is damaged
     */
    public static ArchiveImport open(Path archiveRoot, String source, List<String> keyFields, TypedColumns typed, long rowGroupBytes,
                                     long ingestTime) {
        Path dir = ArchiveLayout.sourceDir(archiveRoot, source);
        ProcessLock lock = null;
        try {
            Durable.createDirectories(dir);
            lock = ProcessLock.tryAcquire(dir.resolve(ArchiveLayout.LOCK), "tessera import");
            if (lock == null) {
                throw new TesseraException("the archive of source '" + source + "' (" + dir + ") is in use by "
                        + ProcessLock.holder(dir.resolve(ArchiveLayout.LOCK)) + ". An import cannot run while tessera run or demo archives the source"
                        + " on the same --data (both would write it): stop that first, or wait for the other import to"
                        + " finish, then run the import again");
            }
            return new ArchiveImport(source, dir, lock, ArchiveSchema.of(source, keyFields, typed), rowGroupBytes, ingestTime);
        } catch (IOException | RuntimeException e) {
            if (lock != null) {
                try {
                    lock.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof TesseraException t) {
                throw t;
            }
            throw new TesseraException("cannot open the archive of source '" + source + "' in " + archiveRoot + " for an import: "
                    + e, e);
        }
    }

    public String source() {
        return source;
    }

    /** The folder of the source's archive. */
    public Path directory() {
        return sourceDir;
    }

    /** Files a crashed archiver or import had left, deleted on opening. */
    public int removedUncommittedFiles() {
        return removed;
    }

    /** Starts (UTC) of the event hours with committed rows, in order (as committed when opened). */
    public NavigableSet<Long> archivedHours() {
        return filesByHour.navigableKeySet();
    }

    /**
     * Calls {@code sink} for every row committed (when this import opened; Kafka's and earlier
     * imports' alike) with an event time in the hour starting at {@code hourStart}. Reads the id
     * column only, and the record bytes too when {@code withRawOfRowsWithoutId}.
     */
    public void forEachArchived(long hourStart, boolean withRawOfRowsWithoutId, ArchivedRowSink sink) {
        for (ArchivedFile f : filesByHour.getOrDefault(hourStart, List.of())) {
            if (withRawOfRowsWithoutId) {
                ParquetFiles.read(f.path(), ID_RAW_COLUMNS, r -> {
                    Object id = r.get(1);
                    if (id != null) {
                        sink.accept(id.toString(), null);
                    } else {
                        ByteBuffer b = (ByteBuffer) r.get(2);
                        byte[] raw = new byte[b.remaining()];
                        b.get(raw);
                        sink.accept(null, raw);
                    }
                });
            } else {
                ParquetFiles.read(f.path(), ID_COLUMNS, r -> {
                    Object id = r.get(1);
                    sink.accept(id == null ? null : id.toString(), null);
                });
            }
        }
    }

    /**
     * Appends one row, numbered with the next import sequence number, which it returns. Rows of one
     * event hour must come together: call {@link #endHour()} before the next hour's.
     */
    public long append(long eventTime, String id, String[] keys, Object[] values, byte[] raw) throws IOException {
        long seq = next;
        writer.append(ArchivedEvent.IMPORTED, seq, ingestTime, eventTime, id, keys, values, raw);
        next++;
        maxEventTime = Math.max(maxEventTime, eventTime);
        return seq;
    }

    /** Closes the current hour's file (it is committed by the next {@link #commit()}). */
    public void endHour() throws IOException {
        writer.sealAll();
    }

    /** Rows appended since the last commit. */
    public long uncommittedRows() {
        return next - committedNext;
    }

    /**
     * Makes every row appended since the last commit part of the archive, atomically (ADR 008); returns
     * null when there was none.
     */
    public Commit commit(long now) throws IOException {
        if (next == committedNext) {
            return null;
        }
        long first = committedNext;
        long last = next - 1;
        List<Manifest> written = writer.commit(Map.of(ArchivedEvent.IMPORTED, new long[] {first, last}),
                Map.of(ArchivedEvent.IMPORTED, maxEventTime), now);
        committedNext = next;
        Manifest m = written.get(0);
        return new Commit(first, last, m.rows(), m.files().size());
    }

    /** Drops what was appended but not committed (its files are deleted by the next open) and releases the archive. */
    @Override
    public void close() throws IOException {
        writer.abandon();
        lock.close();
    }
}

package dev.tessera.offline.imports;

import dev.tessera.api.ClosestNames;
import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.api.TesseraException;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.core.io.Folders;
import dev.tessera.offline.archive.ArchiveImport;
import dev.tessera.offline.archive.TypedColumns;
import dev.tessera.runtime.EntityKeys;
import dev.tessera.runtime.EventRules;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoder;
import dev.tessera.runtime.decode.EventDecoders;
import dev.tessera.schemas.SchemaRegistry;
import dev.tessera.runtime.decode.RejectReason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * {@code tessera import}: historical events from files (JSON Lines, CSV, Parquet) into a source's
 * archive, as if the stream had archived them (SPEC §5a, ADR 008 "Import").
 *
 * <h2>Two passes</h2>
 * <ol>
 *   <li><b>Read and validate.</b> Each row becomes the record the source's decoder reads
 *       ({@link RecordEncoder}), and goes through the stream's own checks ({@link EventRules}: it
 *       decodes, its timestamp is valid, it is not beyond the clock plus {@code max_clock_skew}, some
 *       group can key it). There is no lateness rule: a dump's order does not matter. Valid rows are
 *       spilled to disk by event hour ({@link HourSpill}); nothing is written to the archive yet, so a
 *       file that cannot be read at all stops the import with nothing changed.</li>
 *   <li><b>Deduplicate and archive, hour by hour</b> in event-time order, each hour's rows in input
 *       order. A row with an id is a duplicate when the same id is in the archive (from Kafka or an
 *       earlier import) or was kept earlier in this import, with an event time less than the source's
 *       dedup horizon away, rounded up to whole hours ({@link IdWindow}: the stream's rule, made
 *       independent of order; the window's ids are read from the archive's id column, an hour at a
 *       time). A row without an id (none in the row, or a source without ids) is a duplicate when a
 *       row without id with identical bytes is archived or kept in the same event hour: without an id,
 *       the bytes are the event's identity, so importing a file twice adds nothing. Kept rows are
 *       appended to the archive as partition -1 with the next numbers of the source's import sequence
 *       ({@link ArchiveImport}) and committed atomically every {@code chunkRows} rows and at the end.</li>
 * </ol>
 *
 * <h2>Exactly once</h2>
 * A commit is visible whole or not at all. After a crash, the committed chunks are in the archive and
 * nothing else is; running the same import again finds every committed row as a duplicate and adds
 * the rest, so the archive ends as one uninterrupted import would have left it. The decisions are the
 * same because rows are decided in one fixed order (event hour, then input order) and a committed row
 * is, for every later row, exactly what the row kept in its place would have been.
 *
 * <h2>Memory</h2>
 * One row at a time is read; the spill buffers up to {@code spillBudgetBytes}; the archive writes
 * one hour's file at a time (a row group); the dedup window holds the ids of {@code 2 * reach + 1}
 * hours. Files larger than the heap import with a bounded heap; the spill needs disk for the valid
 * rows (about their size) under {@code <work>/import/<source>/}.
 */
public final class Importer {
    static final long HOUR = 3_600_000L;

    /**
     * @param format           the format of every file, or null to take each file's from its name
     * @param rejectsFile      where to write every rejected row (JSON Lines), or null
     * @param workDir          where the spill goes (e.g. {@code <data>/tmp}); removed at the end
     * @param maxRecordBytes   larger records are {@code too_large} (keep it equal to the stream's)
     * @param chunkRows        commit every this many archived rows (and at the end)
     * @param spillBudgetBytes memory for spill buffers
     * @param rowGroupBytes    Parquet row group size of the archive files
     * @param clock            wall clock (epoch millis) for the {@code future} rule, read once at the start
     */
    public record Options(String source, List<Path> files, ImportFormat format, Path rejectsFile, Path workDir,
                          int maxRecordBytes, long chunkRows, long spillBudgetBytes, long rowGroupBytes, LongSupplier clock) {
        public Options {
            files = List.copyOf(files);
            if (chunkRows < 1 || spillBudgetBytes < 1 || rowGroupBytes < 1 || maxRecordBytes < 1) {
                throw new IllegalArgumentException("import bounds must be positive: chunkRows " + chunkRows + ", spillBudgetBytes "
                        + spillBudgetBytes + ", rowGroupBytes " + rowGroupBytes + ", maxRecordBytes " + maxRecordBytes);
            }
        }

        /**
         * Formats from the file names, no rejects file, commits every 1,000,000 rows; spill buffers of 64 MiB and
         * row groups of 16 MiB, or an eighth of the heap each when that is less.
         */
        public static Options of(String source, List<Path> files, Path workDir) {
            long eighth = Runtime.getRuntime().maxMemory() / 8;
            return new Options(source, files, null, null, workDir, EventDecoders.DEFAULT_MAX_RECORD_BYTES, 1_000_000L,
                    Math.max(1L << 20, Math.min(64L << 20, eighth)), Math.max(1L << 20, Math.min(16L << 20, eighth)),
                    System::currentTimeMillis);
        }

        public Options withFormat(ImportFormat f) {
            return new Options(source, files, f, rejectsFile, workDir, maxRecordBytes, chunkRows, spillBudgetBytes, rowGroupBytes, clock);
        }

        public Options withRejects(Path file) {
            return new Options(source, files, format, file, workDir, maxRecordBytes, chunkRows, spillBudgetBytes, rowGroupBytes, clock);
        }

        public Options withMaxRecordBytes(int bytes) {
            return new Options(source, files, format, rejectsFile, workDir, bytes, chunkRows, spillBudgetBytes, rowGroupBytes, clock);
        }

        public Options withChunks(long rows, long spillBudget) {
            return new Options(source, files, format, rejectsFile, workDir, maxRecordBytes, rows, spillBudget, rowGroupBytes, clock);
        }

        public Options withClock(LongSupplier c) {
            return new Options(source, files, format, rejectsFile, workDir, maxRecordBytes, chunkRows, spillBudgetBytes, rowGroupBytes, c);
        }
    }

    /** A rejected row: the file as given, {@code line} or {@code row}, its number, the reason code and what was wrong. */
    public record Reject(String file, String unit, long number, String reason, String message) {
        @Override
        public String toString() {
            return file + ":" + (unit.equals("line") ? "" : "row ") + number + ": " + reason + ": " + message;
        }
    }

    /**
     * What an import did.
     *
     * @param rowsRead        rows read from the files (blank lines are not rows)
     * @param archived        rows added to the archive
     * @param rejected        rows not added, by reason ({@code malformed}, {@code bad_timestamp}, {@code missing_key},
     *                        {@code future}, {@code duplicate}, {@code too_large}, {@code schema_mismatch})
     * @param examples        the first few rejects of each reason, in the order found
     * @param commits         atomic commits made (chunks)
     * @param files           archive files written
     * @param minEventTime    earliest event time archived ({@link Long#MAX_VALUE} when none)
     * @param maxEventTime    latest event time archived ({@link Long#MIN_VALUE} when none)
     * @param leftoversRemoved files of a crashed archiver or import deleted before starting
     * @param readMillis      time of the first pass (reading, validating, spilling)
     * @param archiveMillis   time of the second pass (dedup, writing, commits)
     */
    public record Report(String source, Path archive, long rowsRead, long archived, Map<String, Long> rejected,
                         List<Reject> examples, int commits, long files, long minEventTime, long maxEventTime,
                         int leftoversRemoved, long readMillis, long archiveMillis) {
        public long rejectedTotal() {
            long n = 0;
            for (long c : rejected.values()) {
                n += c;
            }
            return n;
        }
    }

    /** Progress: phase {@code read} (validating the files) then {@code archive}, each from 0 to 1. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (phase, fraction) -> { };

        void update(String phase, double fraction);
    }

    private final Definitions defs;
    private final Path definitionsDir;
    private final Path archiveRoot;
    private final SchemaRegistry registry;

    /**
     * @param archiveRoot the archive folder ({@code <data>/archive})
     */
    public Importer(Definitions defs, Path definitionsDir, Path archiveRoot) {
        this(defs, definitionsDir, archiveRoot, null);
    }

    /**
     * @param registry for an avro-confluent source: where its schema file's id is found (the imported
     *                 records are framed with it, as a producer would); null when none is needed
     */
    public Importer(Definitions defs, Path definitionsDir, Path archiveRoot, SchemaRegistry registry) {
        this.defs = defs;
        this.definitionsDir = definitionsDir;
        this.archiveRoot = archiveRoot;
        this.registry = registry;
    }

    /**
     * Imports {@code o.files()} into the archive of {@code o.source()}; see the class comment.
     *
     * @throws TesseraException for an unknown source, an unknown or unreadable file, or an archive in use
     *                          (by {@code tessera run}/{@code demo} or another import): nothing was committed
     */
    public Report run(Options o, Progress progress) throws IOException {
        Source source = defs.source(o.source()).orElseThrow(() -> new TesseraException(unknownSource(o.source())));
        if (o.files().isEmpty()) {
            throw new TesseraException("no input files: give one or more JSON Lines, CSV or Parquet files");
        }
        ImportFormat[] formats = new ImportFormat[o.files().size()];
        long totalBytes = 0;
        long[] sizes = new long[formats.length];
        for (int i = 0; i < formats.length; i++) {
            Path f = o.files().get(i);
            if (!Files.isRegularFile(f)) {
                throw new TesseraException("input file " + f + " does not exist or is not a file");
            }
            formats[i] = o.format() != null ? o.format() : ImportFormat.of(f);
            if (formats[i] == null) {
                throw new TesseraException("cannot tell the format of " + f + " from its name; name it .jsonl, .csv or .parquet"
                        + " (.gz for gzipped JSON Lines or CSV), or give --format jsonl|csv|parquet");
            }
            sizes[i] = Math.max(1, Files.size(f));
            totalBytes += sizes[i];
        }
        FieldLayout layout = SourceFields.layout(defs, source);
        EventDecoder decoder = EventDecoders.forSource(source, definitionsDir, layout, o.maxRecordBytes(), registry);
        EventRules rules = new EventRules(defs, source, layout);
        RecordEncoder encoder = RecordEncoder.forSource(source, definitionsDir, registry);
        int[] keySlots = rules.keyFields().stream().mapToInt(layout::requireSlot).toArray();
        long now = o.clock().getAsLong();

        TypedColumns typed = TypedColumns.of(defs, definitionsDir, source, o.maxRecordBytes());
        try (ArchiveImport archive = ArchiveImport.open(archiveRoot, source.name(), rules.keyFields(), typed, o.rowGroupBytes(), now)) {
            // <work>/import/<source>/: only this source's imports spill here, and this one holds the source's lock,
            // so whatever is there was left by a crashed import of it
            Path spills = o.workDir().resolve("import").resolve(source.name());
            Folders.deleteTree(spills);
            try (HourSpill spill = new HourSpill(Files.createTempDirectory(Files.createDirectories(spills), "spill-"),
                    o.spillBudgetBytes(), keySlots.length);
                 RejectLog rejects = new RejectLog(o.rejectsFile(), 3)) {
                long started = System.nanoTime();
                long rowsRead = 0;
                long doneBytes = 0;
                for (int fi = 0; fi < formats.length; fi++) {
                    Path file = o.files().get(fi);
                    String name = file.toString();
                    try (InputReader reader = InputReader.open(file, formats[fi], o.maxRecordBytes())) {
                        for (InputRow row; (row = next(reader, file)) != null; ) {
                            rowsRead++;
                            RowRejected failure = validate(row, fi, reader.number(), encoder, decoder, rules, keySlots, now, spill);
                            if (failure != null) {
                                InputRow r = row;
                                rejects.reject(name, reader.unit(), reader.number(), failure.reason.code(), failure.getMessage(),
                                        rejects.writesRecords() ? r::text : null, null);
                            }
                            if ((rowsRead & 0x3FFF) == 0) {
                                progress.update("read", (doneBytes + reader.progress() * sizes[fi]) / totalBytes);
                            }
                        }
                    }
                    doneBytes += sizes[fi];
                    progress.update("read", (double) doneBytes / totalBytes);
                }
                spill.flush();
                return archive(o, source, archive, decoder, typed, spill, rejects, encoder.textual(), formats, rowsRead, progress,
                        (System.nanoTime() - started) / 1_000_000);
            }
        }
    }

    /** The reader's next row; a file that breaks off (a damaged Parquet page, a truncated gzip) stops the import. */
    private static InputRow next(InputReader reader, Path file) {
        try {
            return reader.next();
        } catch (IOException | RuntimeException e) {
            throw new TesseraException("cannot read " + file + " after " + reader.unit() + " " + reader.number() + ": " + e.getMessage()
                    + ". Nothing was imported; repair or leave out the file and run the import again", e);
        }
    }

    /** Null when {@code row} is valid (and spilled); else why not. */
    /**
     * The typed-column values of a kept row: its record decoded again (the spill keeps the bytes, not
     * the values; the row decoded in the first pass, so it decodes now to the same event).
     */
    private static Object[] typedValues(EventDecoder decoder, TypedColumns typed, HourSpill.Row r) {
        Decoded d = decoder.decode(r.raw());
        if (!d.isAccepted()) {
            throw new IllegalStateException("row " + r.number() + " decoded when read but not from the spill: " + d.message());
        }
        return typed.values(d.event());
    }

    private static RowRejected validate(InputRow row, int file, long number, RecordEncoder encoder, EventDecoder decoder,
                                   EventRules rules, int[] keySlots, long now, HourSpill spill) throws IOException {
        byte[] raw;
        try {
            raw = encoder.encode(row);
        } catch (RowRejected e) {
            return e;
        }
        Decoded d = EventRules.decode(decoder, raw, number);
        if (!d.isAccepted()) {
            return new RowRejected(d.reason(), d.message());
        }
        Event e = d.event();
        long t;
        try {
            t = rules.eventTime(e);
        } catch (IllegalArgumentException ex) {
            return new RowRejected(RejectReason.BAD_TIMESTAMP, ex.getMessage());
        }
        if (rules.isFuture(t, now)) {
            return new RowRejected(RejectReason.FUTURE, rules.futureMessage(t, now));
        }
        if (!rules.hasAnyKey(e)) {
            return new RowRejected(RejectReason.MISSING_KEY, rules.missingKeyMessage());
        }
        String[] keys = new String[keySlots.length];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = EntityKeys.text(e.get(keySlots[i]));
        }
        spill.add(Math.floorDiv(t, HOUR) * HOUR, new HourSpill.Row(file, number, t, rules.id(e), keys, raw));
        return null;
    }

    private Report archive(Options o, Source source, ArchiveImport archive, EventDecoder decoder, TypedColumns typed, HourSpill spill, RejectLog rejects, boolean textual,
                           ImportFormat[] formats, long rowsRead, Progress progress, long readMillis) throws IOException {
        long started = System.nanoTime();
        long reach = Math.max(0, (source.dedupHorizon().millis() + HOUR - 1) / HOUR);
        IdWindow window = new IdWindow();
        TreeSet<Long> loaded = new TreeSet<>();
        NavigableSet<Long> archivedHours = archive.archivedHours();
        MessageDigest sha = sha256();
        long total = Math.max(1, spill.rows());
        long done = 0;
        long archived = 0;
        int commits = 0;
        long files = 0;
        long minTime = Long.MAX_VALUE;
        long maxTime = Long.MIN_VALUE;
        for (Map.Entry<Long, HourSpill.Hour> h : spill.hours().entrySet()) {
            long hourStart = h.getKey();
            long hour = Math.floorDiv(hourStart, HOUR);
            window.forgetBefore(hour - reach);
            loaded.headSet(hour - reach).clear();
            for (long x = hour - reach; x <= hour + reach; x++) {
                long hx = x;
                if (loaded.add(x) && archivedHours.contains(x * HOUR)) {
                    archive.forEachArchived(x * HOUR, false, (id, raw) -> {
                        if (id != null) {
                            window.add(id, hx, false);
                        }
                    });
                }
            }
            Set<String> sameBytes = new HashSet<>();
            if (h.getValue().rowsWithoutId > 0 && archivedHours.contains(hourStart)) {
                archive.forEachArchived(hourStart, true, (id, raw) -> {
                    if (id == null) {
                        sameBytes.add(digest(sha, raw));
                    }
                });
            }
            try (HourSpill.HourReader in = spill.read(hourStart)) {
                for (HourSpill.Row r; (r = in.next()) != null; ) {
                    done++;
                    if ((done & 0x3FFF) == 0) {
                        progress.update("archive", (double) done / total);
                    }
                    String duplicate = null;
                    if (r.id() != null) {
                        Boolean imported = window.seen(r.id());
                        if (imported != null) {
                            duplicate = (imported ? "an earlier row of this import has" : "the archive already holds an event with")
                                    + " the same id within the dedup horizon (" + source.dedupHorizon()
                                    + ", counted in whole event hours)";
                        } else {
                            window.add(r.id(), hour, true);
                        }
                    } else if (!sameBytes.add(digest(sha, r.raw()))) {
                        duplicate = "the row has no id, and the archive or an earlier row of this import already holds the same"
                                + " record (identical bytes) in the same event hour";
                    }
                    if (duplicate != null) {
                        HourSpill.Row row = r;
                        rejects.reject(o.files().get(r.file()).toString(), formats[r.file()] == ImportFormat.PARQUET ? "row" : "line",
                                r.number(), "duplicate", duplicate,
                                textual ? () -> new String(row.raw(), StandardCharsets.UTF_8) : null,
                                r.id());
                        continue;
                    }
                    archive.append(r.eventTime(), r.id(), r.keys(), typedValues(decoder, typed, r), r.raw());
                    archived++;
                    minTime = Math.min(minTime, r.eventTime());
                    maxTime = Math.max(maxTime, r.eventTime());
                    if (archive.uncommittedRows() >= o.chunkRows()) {
                        ArchiveImport.Commit c = archive.commit(o.clock().getAsLong());
                        commits++;
                        files += c.files();
                    }
                }
            }
            archive.endHour();
        }
        ArchiveImport.Commit c = archive.commit(o.clock().getAsLong());
        if (c != null) {
            commits++;
            files += c.files();
        }
        progress.update("archive", 1.0);
        return new Report(source.name(), archive.directory(), rowsRead, archived, rejects.counts(), rejects.examples(), commits, files,
                minTime, maxTime, archive.removedUncommittedFiles(), readMillis, (System.nanoTime() - started) / 1_000_000);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /** The first 128 bits of the SHA-256 of {@code raw}, as a 16-character string. */
    private static String digest(MessageDigest sha, byte[] raw) {
        byte[] d = sha.digest(raw);
        return new String(d, 0, 16, StandardCharsets.ISO_8859_1);
    }

    private String unknownSource(String name) {
        List<String> close = ClosestNames.to(name, defs.sources().keySet());
        return "unknown source '" + name + "'" + (close.isEmpty() ? "" : "; did you mean " + String.join(" or ", close) + "?")
                + " (sources: " + defs.sources().keySet() + ")";
    }
}

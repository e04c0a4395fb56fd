package dev.tessera.offline.archive;

import dev.tessera.api.TesseraException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.avro.Schema;

/**
 * The committed events of one source's archive: a snapshot of its manifests taken by {@link #open}
 * (commits made later are not seen; open again for them). Only files a manifest names are read, so
 * files being written, or left behind by a crash, are never seen; committed files are never changed
 * or deleted, so a reader and a running archiver do not disturb each other.
 *
 * <p>A scan skips whole files (each holds one UTC hour of one partition) whose event times lie
 * outside the range, by the event-time bounds the manifests record, without opening them.
 */
public final class ArchiveReader implements EventScan {
    private static final Schema TIME_COLUMN = org.apache.avro.SchemaBuilder.record("ArchivedEvent")
            .namespace("dev.tessera.archive").fields()
            .name(ArchiveSchema.EVENT_TIME).type(org.apache.avro.LogicalTypes.timestampMillis()
                    .addToSchema(Schema.create(Schema.Type.LONG))).noDefault()
            .endRecord();

    private final String source;
    private final CommittedArchive committed;
    private final List<ArchivedFile> files;

    private ArchiveReader(String source, CommittedArchive committed) {
        this.source = source;
        this.committed = committed;
        this.files = committed.files();
    }

    /**
     * The archive of {@code source} under {@code archiveRoot} (the {@code archive} folder of
     * {@code --data}) as committed now.
     *
     * @throws TesseraException when there is no archive of that source (naming the sources there are)
     *                          or a manifest is damaged
     */
    public static ArchiveReader open(Path archiveRoot, String source) {
        Path dir = ArchiveLayout.sourceDir(archiveRoot, source);
        if (!Files.isDirectory(dir)) {
            List<String> there = sources(archiveRoot);
            throw new TesseraException("no archive of source '" + source + "' in " + archiveRoot + "; "
                    + (there.isEmpty() ? "nothing is archived there yet (the archive is <data>/archive, written by tessera run"
                    + " and tessera demo unless --no-archive)" : "archived sources: " + there));
        }
        return new ArchiveReader(source, CommittedArchive.load(dir));
    }

    /** The sources with an archive under {@code archiveRoot}, sorted. */
    public static List<String> sources(Path archiveRoot) {
        if (!Files.isDirectory(archiveRoot)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(archiveRoot)) {
            return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString())
                    .filter(n -> !n.startsWith(".") && !n.startsWith("_")).sorted().toList();
        } catch (IOException e) {
            throw new TesseraException("cannot list the archive folder " + archiveRoot + ": " + e.getMessage(), e);
        }
    }

    public String source() {
        return source;
    }

    /** Every committed file, by partition and offset. */
    public List<ArchivedFile> files() {
        return files;
    }

    /** The committed files that may hold events in {@code [fromMillis, untilMillis)}. */
    public List<ArchivedFile> files(long fromMillis, long untilMillis) {
        List<ArchivedFile> out = new ArrayList<>();
        for (ArchivedFile f : files) {
            if (f.overlaps(fromMillis, untilMillis)) {
                out.add(f);
            }
        }
        return out;
    }

    /**
     * Per Kafka partition archived so far: the first offset not covered by a commit. Every offset
     * before it was read, and is a row of the archive or was rejected or a duplicate.
     */
    public Map<Integer, Long> nextOffsets() {
        return committed.nextOffsets();
    }

    /** Events in the archive (from the manifests, no file is opened). */
    public long count() {
        long n = 0;
        for (ArchivedFile f : files) {
            n += f.rows();
        }
        return n;
    }

    /** From the manifests: the largest event time of any committed file. */
    @Override
    public java.util.OptionalLong newestEventTime() {
        long newest = Long.MIN_VALUE;
        for (ArchivedFile f : files) {
            newest = Math.max(newest, f.maxEventTime());
        }
        return java.util.OptionalLong.of(newest);
    }

    /** Events with {@code fromMillis <= eventTime < untilMillis}; opens only the files the range cuts. */
    @Override
    public long count(long fromMillis, long untilMillis) {
        long[] n = {0};
        for (ArchivedFile f : files(fromMillis, untilMillis)) {
            if (f.within(fromMillis, untilMillis)) {
                n[0] += f.rows();
            } else {
                ParquetFiles.read(f.path(), TIME_COLUMN, r -> {
                    long t = (Long) r.get(0);
                    if (t >= fromMillis && t < untilMillis) {
                        n[0]++;
                    }
                });
            }
        }
        return n[0];
    }

    @Override
    public void forEach(long fromMillis, long untilMillis, Consumer<ArchivedEvent> sink) {
        forEach(files, fromMillis, untilMillis, List.of(), List.of(), null, (e, keys, values) -> sink.accept(e));
    }

    /** Key texts from the archive's key columns (ADR 008), read alongside the events: no decoding needed to find an event's entity. */
    @Override
    public void forEachWithKeys(long fromMillis, long untilMillis, List<String> keyFields, BiConsumer<ArchivedEvent, String[]> sink) {
        forEach(files, fromMillis, untilMillis, keyFields, List.of(), null, (e, keys, values) -> sink.accept(e, keys));
    }

    /** Typed values from the archive's value columns where the files have them for {@code decoder} (format 2). */
    @Override
    public void forEachWithValues(long fromMillis, long untilMillis, List<String> keyFields, List<String> valueFields, String decoder,
            ValueSink sink) {
        forEach(files, fromMillis, untilMillis, keyFields, valueFields, decoder, sink);
    }

    /** One part per committed file: files are independent, so they can be read by several threads. */
    @Override
    public List<EventScan> split() {
        List<EventScan> parts = new ArrayList<>(files.size());
        for (ArchivedFile f : files) {
            parts.add(new FilePart(List.of(f)));
        }
        return parts;
    }

    /** Some of the files: one part of a {@link #split()}. */
    private record FilePart(List<ArchivedFile> files) implements EventScan {
        @Override
        public void forEach(long fromMillis, long untilMillis, Consumer<ArchivedEvent> sink) {
            ArchiveReader.forEach(files, fromMillis, untilMillis, List.of(), List.of(), null, (e, keys, values) -> sink.accept(e));
        }

        @Override
        public void forEachWithKeys(long fromMillis, long untilMillis, List<String> keyFields, BiConsumer<ArchivedEvent, String[]> sink) {
            ArchiveReader.forEach(files, fromMillis, untilMillis, keyFields, List.of(), null, (e, keys, values) -> sink.accept(e, keys));
        }

        @Override
        public void forEachWithValues(long fromMillis, long untilMillis, List<String> keyFields, List<String> valueFields, String decoder,
                ValueSink sink) {
            ArchiveReader.forEach(files, fromMillis, untilMillis, keyFields, valueFields, decoder, sink);
        }
    }

    private static void forEach(List<ArchivedFile> files, long fromMillis, long untilMillis, List<String> keyFields, List<String> valueFields,
            String decoder, ValueSink sink) {
        for (ArchivedFile f : files) {
            if (f.overlaps(fromMillis, untilMillis)) {
                ArchiveColumns.read(f.path(), fromMillis, untilMillis, keyFields, valueFields, decoder, sink);
            }
        }
    }

    @Override
    public String toString() {
        return "ArchiveReader[" + source + ", " + files.size() + " files, " + count() + " events]";
    }
}

package dev.tessera.offline.spill;

import dev.tessera.core.io.Folders;
import dev.tessera.offline.archive.ArchivedEvent;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;

/**
 * Spill files for partitioned processing (training sets, backfills): events keyed by entity,
 * written to one of several bucket files by a hash of the key, read back a bucket at a time, sorted
 * by (key, event time, source, partition, offset) — the order the offline path applies them in.
 */
public final class EventSpill {
    private EventSpill() {
    }

    /** An event as spilled: which source, its entity key, when it happened and arrived, where it came from, and its bytes. */
    public record EventRec(int source, String key, long time, long ingest, int partition, long offset, String id, byte[] raw) {}

    /** Time order per key; ties in the order the stream would have seen them (partition, then offset). */
    public static final Comparator<EventRec> ORDER = Comparator.comparing(EventRec::key).thenComparingLong(EventRec::time)
            .thenComparingInt(EventRec::source).thenComparingInt(EventRec::partition).thenComparingLong(EventRec::offset);

    /**
     * Drops repeats of an event in sorted order: the same source and id at the same key and time. The
     * archive deduplicates within the stream's dedup horizon; a copy re-sent later than that is still
     * the same event (same key, time and id), and the offline path counts it once.
     */
    public static final class Repeats {
        private String key;
        private long time;
        private final Set<String> ids = new HashSet<>();

        /** True the first time (source, id) is seen at this (key, time); events without an id are never repeats. */
        public boolean first(EventRec e) {
            if (!e.key.equals(key) || e.time != time) {
                key = e.key;
                time = e.time;
                ids.clear();
            }
            return e.id == null || ids.add(e.source + ":" + e.id);
        }
    }

    public static void write(DataOutputStream out, int source, String key, ArchivedEvent ev) {
        try {
            out.writeByte(source);
            writeString(out, key);
            out.writeLong(ev.eventTime());
            out.writeLong(ev.ingestTime());
            out.writeInt(ev.partition());
            out.writeLong(ev.offset());
            writeString(out, ev.id());
            out.writeInt(ev.raw().length);
            out.write(ev.raw());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(DataOutputStream out, EventRec r) throws IOException {
        out.writeByte(r.source);
        writeString(out, r.key);
        out.writeLong(r.time);
        out.writeLong(r.ingest);
        out.writeInt(r.partition);
        out.writeLong(r.offset);
        writeString(out, r.id);
        out.writeInt(r.raw.length);
        out.write(r.raw);
    }

    /** The next event, or null at the end of the file. */
    public static EventRec read(DataInputStream in) throws IOException {
        int source;
        try {
            source = in.readByte();
        } catch (EOFException end) {
            return null;
        }
        String key = readString(in);
        long time = in.readLong();
        long ingest = in.readLong();
        int partition = in.readInt();
        long offset = in.readLong();
        String id = readString(in);
        byte[] raw = new byte[in.readInt()];
        in.readFully(raw);
        return new EventRec(source, key, time, ingest, partition, offset, id, raw);
    }

    public static void writeString(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    public static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Opens {@code n} bucket files {@code <prefix>-0 .. <prefix>-(n-1)}. */
    public static DataOutputStream[] openBuckets(Path prefix, int n) throws IOException {
        DataOutputStream[] out = new DataOutputStream[n];
        for (int i = 0; i < n; i++) {
            out[i] = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(bucketFile(prefix, i)), 1 << 14));
        }
        return out;
    }

    public static Path bucketFile(Path prefix, int i) {
        return prefix.resolveSibling(prefix.getFileName() + "-" + i);
    }

    public static DataInputStream input(Path file) throws IOException {
        return new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
    }

    public static void closeAll(DataOutputStream[] outs) throws IOException {
        for (DataOutputStream o : outs) {
            if (o != null) {
                o.close();
            }
        }
    }

    /** The bucket of {@code key} at split {@code level} (each level hashes differently). */
    public static int bucket(String key, int level, int buckets) {
        long h = key.hashCode() * 0x9E3779B97F4A7C15L + level * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return (int) Math.floorMod(h, (long) buckets);
    }
}

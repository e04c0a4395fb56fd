package dev.tessera.offline.imports;

import dev.tessera.core.io.Folders;
import dev.tessera.offline.spill.EventSpill;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The valid rows of an import, on disk, one file per event hour, each in input order: so the
 * archive can be written (and checked for duplicates) one hour after the other however the input
 * is ordered. Rows are buffered per hour in memory up to a budget, then every buffer is appended to
 * its hour's file: a time-ordered dump writes each file once, a shuffled one in budget-sized rounds.
 * Memory is the budget plus a little per hour seen.
 */
final class HourSpill implements Closeable {
    /** A spilled row: where it came from (file index, line or row number) and what the archive needs. */
    record Row(int file, long number, long eventTime, String id, String[] keys, byte[] raw) {}

    /** What an hour holds. */
    static final class Hour {
        long rows;
        long rowsWithoutId;
    }

    private final Path dir;
    private final long budget;
    private final int keyCount;
    private final Map<Long, ByteArrayOutputStream> buffers = new HashMap<>();
    private final TreeMap<Long, Hour> hours = new TreeMap<>();
    private long buffered;

    HourSpill(Path dir, long budgetBytes, int keyCount) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.budget = budgetBytes;
        this.keyCount = keyCount;
    }

    void add(long hourStart, Row r) throws IOException {
        ByteArrayOutputStream buf = buffers.computeIfAbsent(hourStart, h -> new ByteArrayOutputStream(8192));
        int before = buf.size();
        DataOutputStream out = new DataOutputStream(buf);
        out.writeInt(r.file());
        out.writeLong(r.number());
        out.writeLong(r.eventTime());
        writeString(out, r.id());
        for (String k : r.keys()) {
            writeString(out, k);
        }
        out.writeInt(r.raw().length);
        out.write(r.raw());
        buffered += buf.size() - before;
        Hour h = hours.computeIfAbsent(hourStart, x -> new Hour());
        h.rows++;
        if (r.id() == null) {
            h.rowsWithoutId++;
        }
        if (buffered > budget) {
            flush();
        }
    }

    /** Appends every buffer to its hour's file. */
    void flush() throws IOException {
        for (Map.Entry<Long, ByteArrayOutputStream> e : buffers.entrySet()) {
            try (OutputStream out = Files.newOutputStream(file(e.getKey()), StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                e.getValue().writeTo(out);
            }
        }
        buffers.clear();
        buffered = 0;
    }

    /** The hours with rows, in time order (after {@link #flush()}, all on disk). */
    NavigableMap<Long, Hour> hours() {
        return hours;
    }

    long rows() {
        long n = 0;
        for (Hour h : hours.values()) {
            n += h.rows;
        }
        return n;
    }

    /** Reads one hour's rows back in the order they were added. */
    final class HourReader implements Closeable {
        private final DataInputStream in;

        private HourReader(long hourStart) throws IOException {
            this.in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file(hourStart)), 1 << 16));
        }

        /** The next row, or null at the end. */
        Row next() throws IOException {
            int file;
            try {
                file = in.readInt();
            } catch (EOFException end) {
                return null;
            }
            long number = in.readLong();
            long eventTime = in.readLong();
            String id = readString(in);
            String[] keys = new String[keyCount];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = readString(in);
            }
            byte[] raw = new byte[in.readInt()];
            in.readFully(raw);
            return new Row(file, number, eventTime, id, keys, raw);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    HourReader read(long hourStart) throws IOException {
        return new HourReader(hourStart);
    }

    private Path file(long hourStart) {
        return dir.resolve("h" + hourStart + ".rows");
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        EventSpill.writeString(out, s);
    }

    private static String readString(DataInputStream in) throws IOException {
        return EventSpill.readString(in);
    }

    /** Deletes the spill files. */
    @Override
    public void close() throws IOException {
        buffers.clear();
        Folders.deleteTree(dir);
    }
}

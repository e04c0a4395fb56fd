package dev.tessera.offline.imports;

import dev.tessera.api.TesseraException;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads an input file one row at a time, in file order, holding no more than the current row (and
 * a read buffer): inputs may be far larger than the heap.
 */
abstract class InputReader implements Closeable {
    /** The next row, or null at the end of the file. */
    abstract InputRow next() throws IOException;

    /** Where the row last returned starts: its line (JSON Lines, CSV) or row (Parquet) number, from 1. */
    abstract long number();

    /** "line" or "row": what {@link #number()} counts. */
    abstract String unit();

    /** How far through the file the reader is, from 0 to 1 (for progress). */
    abstract double progress();

    /**
     * Opens {@code file} as {@code format}.
     *
     * @param maxRecordBytes a line or record longer than this is not held in memory; it comes back
     *                       {@link InputRow.Unreadable} ({@code too_large})
     * @throws TesseraException when the file cannot be read as that format at all (missing, no CSV
     *                          header, not Parquet), saying what would be right
     */
    static InputReader open(Path file, ImportFormat format, int maxRecordBytes) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new TesseraException("input file " + file + " does not exist or is not a file");
        }
        return switch (format) {
            case JSONL -> new JsonLinesReader(new CountingStream(file), maxRecordBytes);
            case CSV -> new CsvReader(file, new CountingStream(file), maxRecordBytes);
            case PARQUET -> new ParquetRowReader(file);
        };
    }

    /** The file's bytes (gunzipped when its name ends in .gz), counting the bytes read from disk. */
    static final class CountingStream extends FilterInputStream {
        private final long size;
        private final Counter counter;

        private static final class Counter extends FilterInputStream {
            long read;

            Counter(InputStream in) {
                super(in);
            }

            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    read++;
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    read += n;
                }
                return n;
            }
        }

        private CountingStream(Path file, Counter counter) throws IOException {
            super(ImportFormat.gzipped(file) ? new GZIPInputStream(counter, 1 << 16) : counter);
            this.counter = counter;
            this.size = Math.max(1, Files.size(file));
        }

        CountingStream(Path file) throws IOException {
            this(file, new Counter(Files.newInputStream(file)));
        }

        double progress() {
            return Math.min(1.0, (double) counter.read / size);
        }
    }
}

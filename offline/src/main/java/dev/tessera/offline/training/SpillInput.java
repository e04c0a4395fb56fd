package dev.tessera.offline.training;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads what {@link SpillOutput} wrote: either a whole bucket loaded into one array
 * ({@link #readAll}; the join then keeps positions into {@link #data} and comes back to them), or
 * streamed through a buffer ({@link #stream}; splitting a bucket too large to load).
 */
final class SpillInput implements Closeable {
    byte[] data;
    int pos;
    int limit;
    private final InputStream in;

    private SpillInput(byte[] data, int limit, InputStream in) {
        this.data = data;
        this.limit = limit;
        this.in = in;
    }

    /** The files, one after the other, in one array (a bucket is loaded whole: it fits the budget). */
    static SpillInput readAll(List<Path> files) throws IOException {
        long total = 0;
        for (Path f : files) {
            total += Files.size(f);
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new IOException("spill bucket of " + total + " bytes is too large to load; it should have been split");
        }
        byte[] all = new byte[(int) total];
        int at = 0;
        for (Path f : files) {
            try (InputStream s = Files.newInputStream(f)) {
                int n;
                while (at < all.length && (n = s.read(all, at, all.length - at)) > 0) {
                    at += n;
                }
            }
        }
        return new SpillInput(all, at, null);
    }

    /** Bytes already in memory. */
    static SpillInput of(byte[] data) {
        return new SpillInput(data, data.length, null);
    }

    /** {@code file} read through a buffer of {@code bufferBytes}. */
    static SpillInput stream(Path file, int bufferBytes) throws IOException {
        return new SpillInput(new byte[Math.max(64, bufferBytes)], 0, Files.newInputStream(file));
    }

    private void ensure(int n) throws IOException {
        if (limit - pos >= n || in == null) {
            return;
        }
        int left = limit - pos;
        if (n > data.length) {
            byte[] bigger = new byte[Math.max(n, data.length * 2)];
            System.arraycopy(data, pos, bigger, 0, left);
            data = bigger;
        } else {
            System.arraycopy(data, pos, data, 0, left);
        }
        pos = 0;
        limit = left;
        while (limit < n) {
            int r = in.read(data, limit, data.length - limit);
            if (r < 0) {
                throw new EOFException("truncated training-set spill file");
            }
            limit += r;
        }
    }

    boolean more() throws IOException {
        if (pos < limit) {
            return true;
        }
        if (in == null) {
            return false;
        }
        pos = 0;
        limit = 0;
        int r = in.read(data, 0, data.length);
        if (r > 0) {
            limit = r;
        }
        return limit > 0;
    }

    int readByte() throws IOException {
        ensure(1);
        return data[pos++];
    }

    long readLong() throws IOException {
        ensure(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (data[pos++] & 0xFF);
        }
        return v;
    }

    long readVarint() throws IOException {
        long v = 0;
        int shift = 0;
        while (true) {
            ensure(1);
            byte b = data[pos++];
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
            shift += 7;
        }
    }

    long readSignedVarint() throws IOException {
        long z = readVarint();
        return (z >>> 1) ^ -(z & 1);
    }

    String readString() throws IOException {
        int n = (int) readVarint() - 1;
        if (n < 0) {
            return null;
        }
        ensure(n);
        String s = new String(data, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    void skip(int n) throws IOException {
        ensure(n);
        pos += n;
    }

    void skipString() throws IOException {
        int n = (int) readVarint() - 1;
        if (n > 0) {
            skip(n);
        }
    }

    /** Copies the next {@code n} bytes to {@code out}. */
    void copyTo(SpillOutput out, int n) throws IOException {
        ensure(n);
        out.write(data, pos, n);
        pos += n;
    }

    @Override
    public void close() throws IOException {
        if (in != null) {
            in.close();
        }
    }
}

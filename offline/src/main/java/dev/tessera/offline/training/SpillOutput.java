package dev.tessera.offline.training;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A buffered, unsynchronized spill-file writer with the encodings {@link SpillInput} reads:
 * big-endian 8-byte longs, unsigned LEB128 varints, strings as a varint ({@code length + 1}, 0 for
 * null) and UTF-8 bytes. {@code java.io.DataOutputStream} over a {@code BufferedOutputStream} costs
 * a lock per call, which the event pass makes tens of millions of.
 */
final class SpillOutput implements Closeable {
    private final OutputStream out;
    private final byte[] buf;
    private int pos;
    private long written;

    SpillOutput(Path file, int bufferBytes) throws IOException {
        this.out = Files.newOutputStream(file);
        this.buf = new byte[Math.max(64, bufferBytes)];
    }

    /** Bytes written so far (flushed or not). */
    long size() {
        return written + pos;
    }

    private void room(int n) throws IOException {
        if (pos + n > buf.length) {
            flush();
        }
    }

    void flush() throws IOException {
        out.write(buf, 0, pos);
        written += pos;
        pos = 0;
    }

    void writeByte(int b) throws IOException {
        room(1);
        buf[pos++] = (byte) b;
    }

    void writeLong(long v) throws IOException {
        room(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[pos++] = (byte) (v >>> shift);
        }
    }

    void writeVarint(long v) throws IOException {
        room(10);
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
    }

    /** A signed value as a zig-zag varint (small negatives stay short). */
    void writeSignedVarint(long v) throws IOException {
        writeVarint((v << 1) ^ (v >> 63));
    }

    void writeString(String s) throws IOException {
        if (s == null) {
            writeVarint(0);
            return;
        }
        int n = s.length();
        boolean ascii = true;
        for (int i = 0; i < n && ascii; i++) {
            ascii = s.charAt(i) < 0x80;
        }
        if (ascii && n + 5 <= buf.length) {
            writeVarint(n + 1L);
            room(n);
            for (int i = 0; i < n; i++) {
                buf[pos++] = (byte) s.charAt(i);
            }
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeVarint(b.length + 1L);
        write(b, 0, b.length);
    }

    void write(byte[] b, int off, int len) throws IOException {
        if (len > buf.length - pos) {
            flush();
            if (len > buf.length) {
                out.write(b, off, len);
                written += len;
                return;
            }
        }
        System.arraycopy(b, off, buf, pos, len);
        pos += len;
    }

    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            out.close();
        }
    }

    static void closeAll(SpillOutput[] outs) throws IOException {
        IOException first = null;
        for (SpillOutput o : outs) {
            if (o != null) {
                try {
                    o.close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}

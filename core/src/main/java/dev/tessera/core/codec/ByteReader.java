package dev.tessera.core.codec;

import java.nio.charset.StandardCharsets;

/** Reads what {@link ByteWriter} wrote; every overrun is a {@link CorruptDataException}, never a silent zero. */
public final class ByteReader {
    private final byte[] buf;
    private int pos;
    private final int end;

    public ByteReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public ByteReader(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.end = offset + length;
    }

    private void need(int n) {
        if (n < 0 || pos + n > end) {
            throw new CorruptDataException("truncated data: needed " + n + " byte(s) at offset " + pos
                    + " but only " + (end - pos) + " remain");
        }
    }

    public int readByte() {
        need(1);
        return buf[pos++] & 0xFF;
    }

    public long readUnsignedVarLong() {
        long result = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            int b = readByte();
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new CorruptDataException("varint longer than 10 bytes at offset " + pos);
    }

    public long readVarLong() {
        long z = readUnsignedVarLong();
        return (z >>> 1) ^ -(z & 1);
    }

    public int readVarInt() {
        long v = readVarLong();
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new CorruptDataException("int out of range: " + v + " at offset " + pos);
        }
        return (int) v;
    }

    public long readLong() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (buf[pos++] & 0xFFL);
        }
        return v;
    }

    public double readDouble() {
        return Double.longBitsToDouble(readLong());
    }

    /** A length (of a list, string, byte array) with a sanity bound so corrupt input cannot allocate gigabytes. */
    public int readLength() {
        long n = readUnsignedVarLong();
        if (n > end - pos && n > 0) {
            // a length can never exceed the bytes left (every element takes at least one byte)
            throw new CorruptDataException("length " + n + " exceeds the " + (end - pos) + " byte(s) left at offset " + pos);
        }
        return (int) n;
    }

    public byte[] readBytes() {
        int n = readLength();
        need(n);
        byte[] b = new byte[n];
        System.arraycopy(buf, pos, b, 0, n);
        pos += n;
        return b;
    }

    public String readString() {
        int n = readLength();
        need(n);
        String s = new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    /** Skips {@code n} bytes. */
    public void skip(int n) {
        need(n);
        pos += n;
    }

    /** A reader of the next {@code n} bytes (no copy), which this reader skips. */
    public ByteReader slice(int n) {
        need(n);
        ByteReader r = new ByteReader(buf, pos, n);
        pos += n;
        return r;
    }

    public int remaining() {
        return end - pos;
    }

    public int position() {
        return pos;
    }
}

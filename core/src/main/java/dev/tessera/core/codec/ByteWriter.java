package dev.tessera.core.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable little byte buffer with the primitives every Tessera encoding is built from:
 * unsigned varints (LEB128), zig-zag signed varints, fixed 8-byte doubles (big-endian IEEE bits),
 * length-prefixed UTF-8 strings and byte arrays. Not thread-safe; reusable via {@link #reset()}.
 */
public final class ByteWriter {
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private byte[] buf;
    private int pos;

    public ByteWriter() {
        this(64);
    }

    public ByteWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    private void ensure(int extra) {
        if (pos + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + extra));
        }
    }

    public ByteWriter writeByte(int b) {
        ensure(1);
        buf[pos++] = (byte) b;
        return this;
    }

    /** Unsigned LEB128; negative values take 10 bytes (use {@link #writeVarLong} for signed). */
    public ByteWriter writeUnsignedVarLong(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
        return this;
    }

    /** Zig-zag encoded signed varint: small magnitudes of either sign take few bytes. */
    public ByteWriter writeVarLong(long v) {
        return writeUnsignedVarLong((v << 1) ^ (v >> 63));
    }

    public ByteWriter writeVarInt(int v) {
        return writeVarLong(v);
    }

    public ByteWriter writeLong(long v) {
        ensure(8);
        LONG_BE.set(buf, pos, v);
        pos += 8;
        return this;
    }

    public ByteWriter writeDouble(double v) {
        return writeLong(Double.doubleToRawLongBits(v));
    }

    public ByteWriter writeBytes(byte[] b) {
        writeUnsignedVarLong(b.length);
        return writeRaw(b, 0, b.length);
    }

    public ByteWriter writeRaw(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, pos, len);
        pos += len;
        return this;
    }

    /** Appends everything {@code other} holds (no length prefix). */
    public ByteWriter writeRaw(ByteWriter other) {
        return writeRaw(other.buf, 0, other.pos);
    }

    /**
     * Length-prefixed UTF-8. An all-ASCII string (ids, keys, item values: nearly every string the
     * tiles hold) is copied straight into the buffer, without the intermediate array
     * {@code getBytes(UTF_8)} allocates; its UTF-8 form is its chars' low bytes.
     */
    @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): low byte of each char, exact for ASCII
    public ByteWriter writeString(String s) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                return writeBytes(s.getBytes(StandardCharsets.UTF_8));
            }
        }
        writeUnsignedVarLong(n);
        ensure(n);
        s.getBytes(0, n, buf, pos);
        pos += n;
        return this;
    }

    /** {@link #writeString(String)} of the string {@code chars[off, off + len)}, without making the string. */
    public ByteWriter writeString(char[] chars, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (chars[i] >= 0x80) {
                return writeBytes(new String(chars, off, len).getBytes(StandardCharsets.UTF_8));
            }
        }
        writeUnsignedVarLong(len);
        ensure(len);
        for (int i = 0; i < len; i++) {
            buf[pos + i] = (byte) chars[off + i];
        }
        pos += len;
        return this;
    }

    /**
     * Starts a length-prefixed part written in place: reserves its length prefix and returns where
     * it is, for {@link #endLengthPrefixed}. The result is what {@link #writeBytes} of the part's
     * bytes writes, without encoding the part into a buffer of its own first and copying it.
     */
    public int startLengthPrefixed() {
        ensure(1);
        return pos++;
    }

    /** Ends the part started at {@code at} by {@link #startLengthPrefixed}: writes its length (an unsigned varint) before it. */
    public ByteWriter endLengthPrefixed(int at) {
        int len = pos - at - 1;
        int extra = 0;
        for (int v = len >>> 7; v != 0; v >>>= 7) {
            extra++;
        }
        if (extra > 0) { // a part of 128 bytes or more: its prefix takes more than the byte reserved
            ensure(extra);
            System.arraycopy(buf, at + 1, buf, at + 1 + extra, len);
            pos += extra;
        }
        int v = len;
        int i = at;
        while ((v & ~0x7F) != 0) {
            buf[i++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[i] = (byte) v;
        return this;
    }

    public int size() {
        return pos;
    }

    public ByteWriter reset() {
        pos = 0;
        return this;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }
}

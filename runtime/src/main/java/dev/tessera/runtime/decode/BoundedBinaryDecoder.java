package dev.tessera.runtime.decode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * Avro binary decoding of one record held in a byte array, where no length read from the data can
 * make it allocate more than the record could hold.
 *
 * <h2>Why not Avro's {@code BinaryDecoder}</h2>
 *
 * Avro trusts the lengths it reads. Its JVM-wide limits ({@code org.apache.avro.limits.*} system
 * properties, read once per process) default to about 2^31 items, and its collection-allocation
 * guard to a quarter of the heap per record; a few bytes of garbage claiming an array of 2^30 nulls
 * can therefore take most of the heap on every decoding thread. This decoder bounds everything by
 * the record itself:
 *
 * <ul>
 *   <li>string, bytes and fixed lengths: at most the bytes left in the record;
 *   <li>array and map items: at most {@code max(1024, record length)} in total per record, summed
 *       over every block of every collection (each item of a real record takes at least one byte,
 *       except nulls and empty records, which no event schema repeats a million times);
 *   <li>varints: at most 5 bytes for an int, 10 for a long, with the top bits checked.
 * </ul>
 *
 * Every violation is an {@link IOException} whose message names the byte offset. One instance per
 * record; not thread-safe (it is never shared).
 */
final class BoundedBinaryDecoder extends Decoder {
    private static final int MIN_ITEM_BUDGET = 1024;

    private final byte[] buf;
    private int pos;
    private long itemBudget;

    BoundedBinaryDecoder(byte[] buf) {
        this(buf, 0);
    }

    /** Decodes the record that starts at {@code start} and runs to the end of {@code buf} (after a header). */
    BoundedBinaryDecoder(byte[] buf, int start) {
        this.buf = buf;
        this.pos = start;
        this.itemBudget = Math.max(MIN_ITEM_BUDGET, buf.length - start);
    }

    /** Offset of the next unread byte. */
    int position() {
        return pos;
    }

    boolean isEnd() {
        return pos == buf.length;
    }

    @Override
    public int remainingBytes() {
        return buf.length - pos;
    }

    @Override
    public void readNull() {
        // nulls take no bytes
    }

    @Override
    public boolean readBoolean() throws IOException {
        int at = pos;
        int b = readByte();
        if (b > 1) {
            throw new IOException("byte " + at + " holds " + b + " where a boolean (0 or 1) belongs");
        }
        return b == 1;
    }

    @Override
    public int readInt() throws IOException {
        int at = pos;
        long raw = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = readByte();
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                if (raw > 0xFFFF_FFFFL) {
                    throw new IOException("varint at byte " + at + " is too large for an Avro int");
                }
                int n = (int) raw;
                return (n >>> 1) ^ -(n & 1);
            }
        }
        throw new IOException("varint at byte " + at + " runs over 5 bytes; not an Avro int");
    }

    @Override
    public long readLong() throws IOException {
        int at = pos;
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            int b = readByte();
            if (shift == 63 && (b & 0x7e) != 0) {
                throw new IOException("varint at byte " + at + " is too large for an Avro long");
            }
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new IOException("varint at byte " + at + " runs over 10 bytes; not an Avro long");
    }

    @Override
    public float readFloat() throws IOException {
        require(4, "a float");
        int bits = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8 | (buf[pos + 2] & 0xff) << 16
                | (buf[pos + 3] & 0xff) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    @Override
    public double readDouble() throws IOException {
        require(8, "a double");
        long bits = 0;
        for (int i = 7; i >= 0; i--) {
            bits = bits << 8 | (buf[pos + i] & 0xff);
        }
        pos += 8;
        return Double.longBitsToDouble(bits);
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        int len = readLength("a string");
        Utf8 result = old != null ? old : new Utf8();
        result.setByteLength(len);
        System.arraycopy(buf, pos, result.getBytes(), 0, len);
        pos += len;
        return result;
    }

    @Override
    public String readString() throws IOException {
        int len = readLength("a string");
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    @Override
    public void skipString() throws IOException {
        int len = readLength("a string"); // not pos += readLength(...): that adds to pos as it was before the length
        pos += len;
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        int len = readLength("bytes");
        ByteBuffer result = old != null && old.capacity() >= len ? old : ByteBuffer.allocate(len);
        result.clear();
        result.put(buf, pos, len).flip();
        pos += len;
        return result;
    }

    @Override
    public void skipBytes() throws IOException {
        int len = readLength("bytes");
        pos += len;
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        require(length, "a fixed of " + length + " bytes");
        System.arraycopy(buf, pos, bytes, start, length);
        pos += length;
    }

    @Override
    public void skipFixed(int length) throws IOException {
        require(length, "a fixed of " + length + " bytes");
        pos += length;
    }

    @Override
    public int readEnum() throws IOException {
        return readInt();
    }

    @Override
    public long readArrayStart() throws IOException {
        return readBlockCount("array");
    }

    @Override
    public long arrayNext() throws IOException {
        return readBlockCount("array");
    }

    @Override
    public long skipArray() throws IOException {
        return skipBlocks("array");
    }

    @Override
    public long readMapStart() throws IOException {
        return readBlockCount("map");
    }

    @Override
    public long mapNext() throws IOException {
        return readBlockCount("map");
    }

    @Override
    public long skipMap() throws IOException {
        return skipBlocks("map");
    }

    @Override
    public int readIndex() throws IOException {
        return readInt();
    }

    /** Items in the next block; a negative count is followed by the block's size in bytes (ignored). */
    private long readBlockCount(String kind) throws IOException {
        int at = pos;
        long count = readLong();
        if (count < 0) {
            if (count == Long.MIN_VALUE) {
                throw new IOException(kind + " block count at byte " + at + " is out of range");
            }
            count = -count;
            readLong();
        }
        return takeItems(count, kind, at);
    }

    /** Skips whole blocks whose byte size is known; returns the item count of the first block without one. */
    private long skipBlocks(String kind) throws IOException {
        while (true) {
            int at = pos;
            long count = readLong();
            if (count >= 0) {
                return takeItems(count, kind, at);
            }
            long size = readLong();
            if (size < 0 || size > remainingBytes()) {
                throw new IOException(kind + " block at byte " + at + " claims " + size + " bytes, but "
                        + remainingBytes() + " are left in the record");
            }
            pos += (int) size;
        }
    }

    private long takeItems(long count, String kind, int at) throws IOException {
        if (count > itemBudget) {
            throw new IOException(kind + " block at byte " + at + " claims " + count + " items, more than this "
                    + buf.length + "-byte record can hold (at most " + Math.max(MIN_ITEM_BUDGET, buf.length)
                    + " collection items per record)");
        }
        itemBudget -= count;
        return count;
    }

    private int readLength(String what) throws IOException {
        int at = pos;
        long len = readLong();
        if (len < 0 || len > remainingBytes()) {
            throw new IOException("length of " + what + " at byte " + at + " is " + len + ", but "
                    + remainingBytes() + " bytes are left in the record");
        }
        return (int) len;
    }

    private void require(int n, String what) throws IOException {
        if (n < 0 || n > remainingBytes()) {
            throw new IOException("record ends at byte " + buf.length + " inside " + what + " starting at byte " + pos);
        }
    }

    private int readByte() throws IOException {
        if (pos >= buf.length) {
            throw new IOException("record ends at byte " + buf.length + " in the middle of a value");
        }
        return buf[pos++] & 0xff;
    }
}

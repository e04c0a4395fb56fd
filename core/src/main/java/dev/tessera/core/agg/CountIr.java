package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.codec.CorruptDataException;

/**
 * count: the number of events added (the caller has dropped filtered-out events and, with
 * {@code of}, null values). Hot path: {@link #add} is one increment and allocates nothing.
 *
 * <pre>
 * Encoding (version 1)
 *   byte 0     version = 1
 *   bytes 1..  count, unsigned varint (1 byte up to 127, 2 up to 16383)
 * </pre>
 */
final class CountIr implements Ir {
    static final int VERSION = 1;

    private long count;

    @Override
    public void add(Object value, long eventTime, String eventId) {
        count++;
    }

    @Override
    public void merge(Ir other) {
        count += MergeCheck.sameKind(this, other, CountIr.class).count;
    }

    @Override
    public Object result() {
        return count;
    }

    /** A count IR holding {@code count} ({@link FixedIrs}). */
    static CountIr of(long count) {
        CountIr ir = new CountIr();
        ir.count = count;
        return ir;
    }

    /** The count (for {@link CountPrefix}). */
    long count() {
        return count;
    }

    @Override
    public boolean isEmpty() {
        return count == 0;
    }

    @Override
    public Ir copy() {
        CountIr c = new CountIr();
        c.count = count;
        return c;
    }

    @Override
    public void encode(ByteWriter out) {
        encode(count, out);
    }

    /** The encoding of a count IR holding {@code count} (also {@link FixedIrs}' for a count slot kept as a word). */
    static void encode(long count, ByteWriter out) {
        out.writeByte(VERSION).writeUnsignedVarLong(count);
    }

    static CountIr decode(ByteReader in) {
        FormatVersion.expect(in, VERSION);
        int at = in.position();
        long count = in.readUnsignedVarLong();
        if (count < 0) {
            throw new CorruptDataException("negative count at offset " + at);
        }
        CountIr ir = new CountIr();
        ir.count = count;
        return ir;
    }

    @Override
    public String toString() {
        return "CountIr[" + count + "]";
    }
}

package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;

/**
 * first and last: the value of the least (greatest) event in {@link EventOrder} — by event time,
 * then id (no id first), then value, so exact ties never make the result depend on add or merge
 * order. Empty: null. The two directions share state and layout; merging a first IR into a last
 * IR is rejected. {@link #add} allocates nothing.
 *
 * <pre>
 * Encoding (version 1)
 *   byte 0    version = 1
 *   byte 1    flags: bit 0 PRESENT (an event was added; the rest follows)
 *   if PRESENT:
 *     zig-zag varint  event time (epoch millis)
 *     event id        ({@link EventOrder}: 00, or 01 + length-prefixed UTF-8)
 *     value           ({@link ValueCodec})
 * </pre>
 */
final class FirstLastIr implements Ir {
    static final int VERSION = 1;
    private static final int PRESENT = 1;

    private final boolean last;
    private boolean present;
    private long time;
    private String id;
    private Object value;

    FirstLastIr(boolean last) {
        this.last = last;
    }

    @Override
    public void add(Object value, long eventTime, String eventId) {
        ValueOrder.requireCanonical(value);
        if (!present) {
            set(eventTime, eventId, value);
            return;
        }
        int c = EventOrder.compare(eventTime, eventId, value, time, id, this.value);
        if (last ? c > 0 : c < 0) {
            set(eventTime, eventId, value);
        }
    }

    private void set(long eventTime, String eventId, Object v) {
        present = true;
        time = eventTime;
        id = eventId;
        value = v;
    }

    @Override
    public void merge(Ir other) {
        FirstLastIr o = MergeCheck.sameKind(this, other, FirstLastIr.class);
        if (o.last != last) {
            throw MergeCheck.mismatch(this, other);
        }
        if (o.present) {
            add(o.value, o.time, o.id);
        }
    }

    @Override
    public Object result() {
        return value;
    }

    @Override
    public boolean isEmpty() {
        return !present;
    }

    @Override
    public Ir copy() {
        FirstLastIr c = new FirstLastIr(last);
        if (present) {
            c.set(time, id, value);
        }
        return c;
    }

    @Override
    public void encode(ByteWriter out) {
        out.writeByte(VERSION).writeByte(present ? PRESENT : 0);
        if (present) {
            out.writeVarLong(time);
            EventOrder.writeId(out, id);
            ValueCodec.write(out, value);
        }
    }

    static FirstLastIr decode(ByteReader in, boolean last) {
        FormatVersion.expect(in, VERSION);
        int flags = FormatVersion.flags(in, PRESENT);
        FirstLastIr ir = new FirstLastIr(last);
        if ((flags & PRESENT) != 0) {
            long t = in.readVarLong();
            String eventId = EventOrder.readId(in);
            ir.set(t, eventId, ValueCodec.read(in));
        }
        return ir;
    }

    @Override
    public String toString() {
        return (last ? "LastIr[" : "FirstIr[") + (present ? time + "/" + id + " -> " + value : "") + "]";
    }
}

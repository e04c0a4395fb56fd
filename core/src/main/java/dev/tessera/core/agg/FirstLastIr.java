package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;

/**
 * first and last: the value of the least (greatest) event in {@link EventOrder} — by event time,
 * then id (no id first), then value, so exact ties never make the result depend on add or merge
 * order. Empty: null. The two directions share state and layout; merging a first IR into a last
 * IR is rejected.
 *
 * <h2>Held in place</h2>
 * The held event's id and value are copied into this IR's own arrays and primitive fields (chars
 * for strings, the bits of a number or boolean), not kept as the event's {@code String} and boxed
 * objects. A lifetime {@code last} lives as long as its entity, so it is an old object; storing a
 * pointer to each new event's young strings in it dirtied a card per update, which G1's
 * refinement threads then scanned and its young pauses scanned again (bench/RESULTS.md, session 6:
 * the string-valued aggregations were 30 % of a cold event's CPU, mostly in the collector). Copies
 * into arrays that are large enough are plain stores: {@link #add} and {@link #merge} allocate
 * nothing once the arrays fit. {@link #result()} makes the value object (a string per read).
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
    private static final char[] NO_CHARS = new char[0];

    private final boolean last;
    private boolean present;
    private long time;
    /** The held event's id: its chars in {@code idChars[0, idLen)}, or {@code idLen == -1} for no id. */
    private char[] idChars = NO_CHARS;
    private int idLen = -1;
    /** The held value's {@link HeldValue} kind, and its bits (long, double bits, boolean 0/1) or its chars. */
    private byte kind;
    private long bits;
    private char[] valueChars = NO_CHARS;
    private int valueLen;

    FirstLastIr(boolean last) {
        this.last = last;
    }

    @Override
    public void add(Object value, long eventTime, String eventId) {
        ValueOrder.requireCanonical(value);
        if (present) {
            int c = Long.compare(eventTime, time);
            if (c == 0) {
                c = EventOrder.compareIds(eventId, idChars, 0, idLen);
            }
            if (c == 0) {
                c = ValueOrder.compare(value, heldValue());
            }
            if (last ? c <= 0 : c >= 0) {
                return;
            }
        }
        present = true;
        time = eventTime;
        if (eventId == null) {
            idLen = -1;
        } else {
            idLen = eventId.length();
            idChars = fit(idChars, idLen);
            eventId.getChars(0, idLen, idChars, 0);
        }
        kind = HeldValue.kindOf(value);
        bits = HeldValue.bitsOf(value);
        if (value instanceof String s) {
            valueLen = s.length();
            valueChars = fit(valueChars, valueLen);
            s.getChars(0, valueLen, valueChars, 0);
        }
    }

    @Override
    public void merge(Ir other) {
        FirstLastIr o = MergeCheck.sameKind(this, other, FirstLastIr.class);
        if (o.last != last) {
            throw MergeCheck.mismatch(this, other);
        }
        if (!o.present) {
            return;
        }
        if (present) {
            int c = Long.compare(o.time, time);
            if (c == 0) {
                c = EventOrder.compareIds(o.idChars, 0, o.idLen, idChars, 0, idLen);
            }
            if (c == 0) {
                c = ValueOrder.compare(o.heldValue(), heldValue());
            }
            if (last ? c <= 0 : c >= 0) {
                return;
            }
        }
        copyFrom(o);
    }

    private void copyFrom(FirstLastIr o) {
        present = true;
        time = o.time;
        idLen = o.idLen;
        if (idLen > 0) {
            idChars = fit(idChars, idLen);
            System.arraycopy(o.idChars, 0, idChars, 0, idLen);
        }
        kind = o.kind;
        bits = o.bits;
        if (kind == HeldValue.STRING) {
            valueLen = o.valueLen;
            valueChars = fit(valueChars, valueLen);
            System.arraycopy(o.valueChars, 0, valueChars, 0, valueLen);
        }
    }

    /** {@code chars} when it holds {@code n} chars, else a new array with room to spare (ids grow by a digit now and then). */
    private static char[] fit(char[] chars, int n) {
        return chars.length >= n ? chars : new char[n + (n >> 2) + 2];
    }

    private Object heldValue() {
        return kind == HeldValue.STRING ? new String(valueChars, 0, valueLen) : HeldValue.box(kind, bits);
    }

    private String heldId() {
        return idLen < 0 ? null : new String(idChars, 0, idLen);
    }

    @Override
    public Object result() {
        return present ? heldValue() : null;
    }

    @Override
    public boolean isEmpty() {
        return !present;
    }

    @Override
    public Ir copy() {
        FirstLastIr c = new FirstLastIr(last);
        if (present) {
            c.copyFrom(this);
        }
        return c;
    }

    @Override
    public void encode(ByteWriter out) {
        out.writeByte(VERSION).writeByte(present ? PRESENT : 0);
        if (present) {
            out.writeVarLong(time);
            EventOrder.writeId(out, idChars, 0, idLen);
            if (kind == HeldValue.STRING) {
                ValueCodec.writeString(out, valueChars, 0, valueLen);
            } else {
                ValueCodec.write(out, heldValue());
            }
        }
    }

    static FirstLastIr decode(ByteReader in, boolean last) {
        FormatVersion.expect(in, VERSION);
        int flags = FormatVersion.flags(in, PRESENT);
        FirstLastIr ir = new FirstLastIr(last);
        if ((flags & PRESENT) != 0) {
            long t = in.readVarLong();
            String eventId = EventOrder.readId(in);
            ir.add(ValueCodec.read(in), t, eventId);
        }
        return ir;
    }

    @Override
    public String toString() {
        return (last ? "LastIr[" : "FirstIr[") + (present ? time + "/" + heldId() + " -> " + result() : "") + "]";
    }
}

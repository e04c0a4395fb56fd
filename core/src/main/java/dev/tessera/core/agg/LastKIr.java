package dev.tessera.core.agg;

import dev.tessera.api.Aggregation;
import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.codec.CorruptDataException;
import java.util.Arrays;
import java.util.List;

/**
 * last_k: the values of the k greatest events in {@link EventOrder}, newest first. Empty: [].
 *
 * <p>The IR keeps at most k entries (time, id, value) sorted newest first. An add that is not newer
 * than the oldest kept entry of a full IR is dropped after one comparison; otherwise it is placed by
 * binary search (k ≤ 100). Merge is a merge of two sorted runs cut at k. Events equal in time, id
 * and value are distinct events with the same value (no id to tell them apart) and are all kept;
 * dedup is the caller's job.
 *
 * <h2>Held in place</h2>
 * As {@link FirstLastIr} does, the entries' ids and values are copied into this IR's own arrays,
 * not kept as the events' {@code String} and boxed objects: {@code entries} holds four longs per
 * entry (time; a number's or boolean's bits; where its chars start in {@code text}; the id's length
 * and the value's length or kind), and {@code text} the entries' chars in entry order, each
 * entry's id then its string value. A tile's last_k outlives several young collections while its
 * events arrive (the 1-hour tiles of a 1-day window), so each add used to store pointers to two
 * young strings (the value, the id) into an old IR: a dirtied card for G1's refinement threads and
 * its next pause, and two more objects per event for the collector to copy (bench/RESULTS.md,
 * session 17: 10–14 % of the ingest comparison's events/s). Here an add is plain stores once the
 * arrays fit, and allocates nothing; {@link #result()} and {@link #valueAt} make the value objects
 * (strings per read). Arrays start with room for {@value #FIRST_CAPACITY} entries and double up to k.
 *
 * <pre>
 * Encoding (version 1)
 *   byte 0     version = 1
 *   varint     n, unsigned: number of entries (0..100)
 *   n entries, newest first:
 *     time      entry 0: zig-zag varint event time;
 *               entry i > 0: unsigned varint (time[i-1] - time[i]) — never negative, small when
 *               events are close in time
 *     event id  ({@link EventOrder}: 00, or 01 + length-prefixed UTF-8)
 *     value     ({@link ValueCodec})
 * </pre>
 * k itself is not stored: it belongs to the feature definition. Decoding with a smaller k than the
 * writer's keeps the newest k entries.
 */
final class LastKIr implements Ir {
    static final int VERSION = 1;
    private static final int FIRST_CAPACITY = 2;
    private static final long[] NO_ENTRIES = new long[0];
    private static final char[] NO_CHARS = new char[0];

    /** Longs per entry in {@code entries}, and the offset of each field. */
    private static final int STRIDE = 4;
    private static final int TIME = 0;
    private static final int BITS = 1;
    private static final int OFFSET = 2;
    /** The id's length in the high half (-1: no id), the value's code in the low half: a string's length (≥ 0), or minus its {@link HeldValue} kind. */
    private static final int LENGTHS = 3;

    private final int k;
    private int size;
    private long[] entries = NO_ENTRIES;
    private char[] text = NO_CHARS;
    /** Chars of {@code text} in use: the entries' chars, in entry order, without gaps. */
    private int textLength;

    LastKIr(int k) {
        this.k = k;
    }

    @Override
    public void add(Object value, long eventTime, String eventId) {
        ValueOrder.requireCanonical(value);
        if (size == k && compareTo(eventTime, eventId, value, k - 1) <= 0) {
            return;
        }
        int lo = 0;
        int hi = size;
        while (lo < hi) { // first index holding an entry older than the new one
            int mid = (lo + hi) >>> 1;
            if (compareTo(eventTime, eventId, value, mid) > 0) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        if (size == k) { // the oldest entry goes: its chars are the last ones of the text
            size--;
            textLength = offset(size);
        }
        insert(lo, eventTime, eventId, value);
    }

    /** The order of {@link EventOrder#compare} between the event (time, id, value) and entry {@code i}. */
    private int compareTo(long time, String id, Object value, int i) {
        int c = Long.compare(time, entries[i * STRIDE + TIME]);
        if (c != 0) {
            return c;
        }
        c = EventOrder.compareIds(id, text, offset(i), idLength(i));
        return c != 0 ? c : ValueOrder.compare(value, valueAt(i));
    }

    /** Puts the event at index {@code at} (0..size), moving the entries from there one place older; size < k. */
    private void insert(int at, long time, String id, Object value) {
        int idLength = id == null ? -1 : id.length();
        int code = value instanceof String s ? s.length() : -HeldValue.kindOf(value);
        long bits = HeldValue.bitsOf(value);
        int chars = Math.max(idLength, 0) + Math.max(code, 0);
        ensureCapacity(size + 1, textLength + chars);
        int start = at < size ? offset(at) : textLength;
        System.arraycopy(text, start, text, start + chars, textLength - start);
        System.arraycopy(entries, at * STRIDE, entries, (at + 1) * STRIDE, (size - at) * STRIDE);
        for (int j = at + 1; j <= size; j++) {
            entries[j * STRIDE + OFFSET] += chars;
        }
        int e = at * STRIDE;
        entries[e + TIME] = time;
        entries[e + BITS] = bits;
        entries[e + OFFSET] = start;
        entries[e + LENGTHS] = ((long) idLength << 32) | (code & 0xFFFFFFFFL);
        if (idLength > 0) {
            id.getChars(0, idLength, text, start);
        }
        if (code > 0) {
            ((String) value).getChars(0, code, text, start + Math.max(idLength, 0));
        }
        size++;
        textLength += chars;
    }

    private void ensureCapacity(int entriesNeeded, int charsNeeded) {
        if (entries.length < entriesNeeded * STRIDE) {
            int cap = Math.min(k, Math.max(entriesNeeded, Math.max(FIRST_CAPACITY, 2 * entries.length / STRIDE)));
            entries = Arrays.copyOf(entries, cap * STRIDE);
        }
        if (text.length < charsNeeded) {
            text = Arrays.copyOf(text, Math.max(charsNeeded + (charsNeeded >> 1), 16));
        }
    }

    private int offset(int i) {
        return (int) entries[i * STRIDE + OFFSET];
    }

    private int idLength(int i) {
        return (int) (entries[i * STRIDE + LENGTHS] >> 32);
    }

    private int valueCode(int i) {
        return (int) entries[i * STRIDE + LENGTHS];
    }

    private String idAt(int i) {
        int n = idLength(i);
        return n < 0 ? null : new String(text, offset(i), n);
    }

    @Override
    public void merge(Ir other) {
        LastKIr o = MergeCheck.sameKind(this, other, LastKIr.class);
        if (o.size == 0) {
            return;
        }
        int n = Math.min(k, size + o.size);
        LastKIr merged = new LastKIr(k);
        merged.ensureCapacity(n, textLength + o.textLength);
        int i = 0;
        int j = 0;
        for (int out = 0; out < n; out++) {
            boolean mine = j == o.size || i < size && compareEntries(this, i, o, j) >= 0;
            if (mine) {
                merged.append(this, i++);
            } else {
                merged.append(o, j++);
            }
        }
        entries = merged.entries;
        text = merged.text;
        textLength = merged.textLength;
        size = n;
    }

    /** {@link EventOrder#compare} between entry {@code i} of {@code a} and entry {@code j} of {@code b}. */
    private static int compareEntries(LastKIr a, int i, LastKIr b, int j) {
        int c = Long.compare(a.entries[i * STRIDE + TIME], b.entries[j * STRIDE + TIME]);
        if (c != 0) {
            return c;
        }
        c = EventOrder.compareIds(a.text, a.offset(i), a.idLength(i), b.text, b.offset(j), b.idLength(j));
        return c != 0 ? c : ValueOrder.compare(a.valueAt(i), b.valueAt(j));
    }

    /** Appends entry {@code i} of {@code from} as this IR's oldest; the arrays have room. */
    private void append(LastKIr from, int i) {
        int chars = Math.max(from.idLength(i), 0) + Math.max(from.valueCode(i), 0);
        int e = size * STRIDE;
        System.arraycopy(from.entries, i * STRIDE, entries, e, STRIDE);
        entries[e + OFFSET] = textLength;
        System.arraycopy(from.text, from.offset(i), text, textLength, chars);
        textLength += chars;
        size++;
    }

    @Override
    public Object result() {
        if (size == 0) {
            return List.of();
        }
        Object[] values = new Object[size];
        for (int i = 0; i < size; i++) {
            values[i] = valueAt(i);
        }
        return List.of(values);
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    // for LastKPrefix
    int size() {
        return size;
    }

    /** The value of entry {@code i}, as a new object. */
    Object valueAt(int i) {
        int code = valueCode(i);
        return code >= 0 ? new String(text, offset(i) + Math.max(idLength(i), 0), code)
                : HeldValue.box((byte) -code, entries[i * STRIDE + BITS]);
    }

    int k() {
        return k;
    }

    @Override
    public Ir copy() {
        LastKIr c = new LastKIr(k);
        if (size > 0) {
            c.entries = Arrays.copyOf(entries, size * STRIDE);
            c.text = Arrays.copyOf(text, textLength);
            c.textLength = textLength;
            c.size = size;
        }
        return c;
    }

    @Override
    public void encode(ByteWriter out) {
        out.writeByte(VERSION).writeUnsignedVarLong(size);
        for (int i = 0; i < size; i++) {
            long time = entries[i * STRIDE + TIME];
            if (i == 0) {
                out.writeVarLong(time);
            } else {
                out.writeUnsignedVarLong(entries[(i - 1) * STRIDE + TIME] - time); // unsigned 64-bit difference: exact
            }
            int idLength = idLength(i);
            EventOrder.writeId(out, text, offset(i), idLength);
            int code = valueCode(i);
            if (code >= 0) {
                ValueCodec.writeString(out, text, offset(i) + Math.max(idLength, 0), code);
            } else {
                ValueCodec.write(out, valueAt(i));
            }
        }
    }

    static LastKIr decode(ByteReader in, int k) {
        FormatVersion.expect(in, VERSION);
        int at = in.position();
        long n = in.readUnsignedVarLong();
        if (n < 0 || n > Aggregation.MAX_LAST_K) {
            throw new CorruptDataException("last_k entry count " + Long.toUnsignedString(n) + " at offset " + at
                    + " exceeds the maximum k of " + Aggregation.MAX_LAST_K);
        }
        LastKIr ir = new LastKIr(k);
        if (n > 0) {
            ir.ensureCapacity((int) Math.min(n, k), 0); // the entries kept
        }
        long prevTime = 0;
        String prevId = null;
        Object prevValue = null;
        for (int i = 0; i < n; i++) {
            int entryAt = in.position();
            long time;
            if (i == 0) {
                time = in.readVarLong();
            } else {
                time = prevTime - in.readUnsignedVarLong();
                if (time > prevTime) {
                    throw new CorruptDataException("last_k time delta underflows at offset " + entryAt);
                }
            }
            String id = EventOrder.readId(in);
            Object value = ValueCodec.read(in);
            if (i > 0 && EventOrder.compare(time, id, value, prevTime, prevId, prevValue) > 0) {
                throw new CorruptDataException("last_k entries out of order at offset " + entryAt);
            }
            if (i < k) {
                ir.insert(i, time, id, value);
            }
            prevTime = time;
            prevId = id;
            prevValue = value;
        }
        return ir;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("LastKIr[k=").append(k).append(", [");
        for (int i = 0; i < size; i++) {
            b.append(i == 0 ? "" : ", ").append(entries[i * STRIDE + TIME]).append('/').append(idAt(i)).append(" -> ").append(valueAt(i));
        }
        return b.append("]]").toString();
    }
}

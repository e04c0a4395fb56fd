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
 * <p>The IR keeps at most k entries (time, id, value) in three parallel arrays sorted newest first,
 * allocated with {@value #FIRST_CAPACITY} slots on the first add and doubled up to k (most tiles
 * hold a handful of events: 2 slots cost 80 bytes of arrays, 8 cost 176). An add that is not newer than the oldest kept entry
 * of a full IR is dropped after one comparison; otherwise it is placed by binary search (k ≤ 100).
 * Merge is a merge of two sorted runs cut at k. Events equal in time, id and value are distinct
 * events with the same value (no id to tell them apart) and are all kept; dedup is the caller's job.
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

    private final int k;
    private int size;
    private long[] times;
    private String[] ids;
    private Object[] values;

    LastKIr(int k) {
        this.k = k;
    }

    @Override
    public void add(Object value, long eventTime, String eventId) {
        ValueOrder.requireCanonical(value);
        if (size == k && EventOrder.compare(eventTime, eventId, value, times[k - 1], ids[k - 1], values[k - 1]) <= 0) {
            return;
        }
        int lo = 0;
        int hi = size;
        while (lo < hi) { // first index holding an entry older than the new one
            int mid = (lo + hi) >>> 1;
            if (EventOrder.compare(eventTime, eventId, value, times[mid], ids[mid], values[mid]) > 0) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        ensureCapacity(Math.min(size + 1, k));
        int moved = Math.min(size, k - 1) - lo;
        System.arraycopy(times, lo, times, lo + 1, moved);
        System.arraycopy(ids, lo, ids, lo + 1, moved);
        System.arraycopy(values, lo, values, lo + 1, moved);
        times[lo] = eventTime;
        ids[lo] = eventId;
        values[lo] = value;
        size = Math.min(size + 1, k);
    }

    private void ensureCapacity(int needed) {
        if (times == null) {
            int cap = Math.min(k, Math.max(needed, FIRST_CAPACITY));
            times = new long[cap];
            ids = new String[cap];
            values = new Object[cap];
        } else if (times.length < needed) {
            int cap = Math.min(k, Math.max(needed, times.length * 2));
            times = Arrays.copyOf(times, cap);
            ids = Arrays.copyOf(ids, cap);
            values = Arrays.copyOf(values, cap);
        }
    }

    @Override
    public void merge(Ir other) {
        LastKIr o = MergeCheck.sameKind(this, other, LastKIr.class);
        if (o.size == 0) {
            return;
        }
        int n = Math.min(k, size + o.size);
        long[] t = new long[n];
        String[] d = new String[n];
        Object[] v = new Object[n];
        int i = 0;
        int j = 0;
        for (int out = 0; out < n; out++) {
            boolean mine = j == o.size || i < size
                    && EventOrder.compare(times[i], ids[i], values[i], o.times[j], o.ids[j], o.values[j]) >= 0;
            if (mine) {
                t[out] = times[i];
                d[out] = ids[i];
                v[out] = values[i++];
            } else {
                t[out] = o.times[j];
                d[out] = o.ids[j];
                v[out] = o.values[j++];
            }
        }
        times = t;
        ids = d;
        values = v;
        size = n;
    }

    @Override
    public Object result() {
        return size == 0 ? List.of() : List.of(Arrays.copyOf(values, size));
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    // for LastKPrefix
    int size() {
        return size;
    }

    Object valueAt(int i) {
        return values[i];
    }

    int k() {
        return k;
    }

    @Override
    public Ir copy() {
        LastKIr c = new LastKIr(k);
        if (size > 0) {
            c.times = Arrays.copyOf(times, size);
            c.ids = Arrays.copyOf(ids, size);
            c.values = Arrays.copyOf(values, size);
            c.size = size;
        }
        return c;
    }

    @Override
    public void encode(ByteWriter out) {
        out.writeByte(VERSION).writeUnsignedVarLong(size);
        for (int i = 0; i < size; i++) {
            if (i == 0) {
                out.writeVarLong(times[0]);
            } else {
                out.writeUnsignedVarLong(times[i - 1] - times[i]); // unsigned 64-bit difference: exact
            }
            EventOrder.writeId(out, ids[i]);
            ValueCodec.write(out, values[i]);
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
            ir.ensureCapacity((int) Math.min(n, k)); // exactly the entries kept
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
                ir.ensureCapacity(i + 1);
                ir.times[i] = time;
                ir.ids[i] = id;
                ir.values[i] = value;
                ir.size = i + 1;
            }
            prevTime = time;
            prevId = id;
            prevValue = value;
        }
        return ir;
    }

    @Override
    public String toString() {
        return "LastKIr[k=" + k + ", " + Arrays.asList(values == null ? new Object[0] : Arrays.copyOf(values, size)) + "]";
    }
}

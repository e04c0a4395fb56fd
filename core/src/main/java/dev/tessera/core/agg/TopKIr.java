package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.codec.CorruptDataException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import org.apache.datasketches.common.ArrayOfStringsSerDe;
import org.apache.datasketches.frequencies.ErrorType;
import org.apache.datasketches.frequencies.ItemsSketch;
import org.apache.datasketches.memory.Memory;

/**
 * top_k: the k most frequent values with their counts, count descending then value ascending
 * ({@link String#compareTo}). Empty: []. Values are counted by their canonical string (see
 * {@link ValueCount}), so Long 1 and String "1" are one value here.
 *
 * <h2>Exact while small</h2>
 * Most IRs see a few distinct values, and the smallest items sketch costs about 250 bytes of heap
 * (three 8-slot arrays and two objects). So up to {@value #EXACT_LIMIT} distinct values the IR keeps
 * them in first-seen order with their counts: their chars in one {@code char[]}, an {@code int[]} of
 * offset, length and hash per value and a {@code long[]} of counts (2 values at first, doubled as
 * needed), searched linearly by hash then chars. Held in place, not as the events' strings (see the
 * fields); {@link #exactItem} and {@link #result()} make the strings. The next distinct value moves it
 * to the sketch, fed every (value, count) in first-seen order. No sketch purges before 192 distinct
 * values, so the sketch then holds exactly the state it would hold had it seen every add itself: the
 * same counts, stream length and growth; an unpurged sketch's slot layout depends only on the order
 * in which distinct values first arrived, so even its bytes are the same. An exact IR is written as
 * its pairs (version 2 below): building the sketch only to write its image cost a third of the
 * runtime's commit encoding. Merge: exact into anything feeds
 * the pairs; a sketch into an exact IR first moves the receiver to its sketch, then merges, as
 * before. A version-1 image that never purged (maximum error 0) and holds at most
 * {@value #EXACT_LIMIT} values decodes into the exact form.
 *
 * <h2>Merge targets</h2>
 * A read's merge target ({@link Aggregator#newMergeTarget()}, never stored) keeps exact counts of up
 * to {@value #MERGE_EXACT_LIMIT} distinct values, and takes an IR that is a sketch which never purged
 * ({@link #neverPurged()}) as the exact pairs it holds: a window without a purged tile and with at
 * most that many values answers exact counts (ADR 011).
 *
 * <h2>Sketch</h2>
 * A DataSketches frequent-items {@link ItemsSketch}{@code <String>} with maxMapSize =
 * max(256, nextPowerOfTwo(16·k)) — 256 for k ≤ 16, 2048 for k = 100 — growing from 8 slots. While
 * at most 0.75·maxMapSize distinct values were seen (192 for 256, 1536 for 2048) it holds every value
 * with its exact count and the result is exact. Beyond that it
 * purges: each reported count is the sketch's estimate (upper bound), at most
 * {@code getMaximumError()} above the true count and never below it, and the maximum error is at
 * most ε·N with ε = {@code ItemsSketch.getEpsilon(maxMapSize)} = 3.5/maxMapSize (1.37% of the
 * stream length N for 256, 0.17% for 2048). Any value whose true count exceeds the maximum error is
 * still in the map ("no false negatives"), so heavy hitters are always found.
 *
 * <pre>
 * Encoding, sketch form (version 1; also every IR written before version 2 existed)
 *   byte 0    version = 1
 *   varint    length L; 0 = empty (nothing added)
 *   L bytes   the sketch as {@code ItemsSketch.toByteArray(new ArrayOfStringsSerDe())} (DataSketches
 *             frequent-items format; lgMaxMapSize at byte 3, lgCurMapSize at byte 4)
 *
 * Encoding, exact form (version 2)
 *   byte 0    version = 2
 *   varint    n, the distinct values (0 = empty, at most {@value #EXACT_LIMIT})
 *   n times   value (varint length + UTF-8), count (unsigned varint, at least 1), in first-seen order
 * </pre>
 * k is not stored (it belongs to the definition); the map size is inside the sketch image.
 */
final class TopKIr implements Ir {
    static final int VERSION = 1;
    static final int EXACT_VERSION = 2;
    /** Largest lgMaxMapSize accepted when decoding: 2^16 slots, far above what any k ≤ 100 writes. */
    private static final int MAX_LG_MAP_SIZE = 16;
    private static final ArrayOfStringsSerDe SERDE = new BoundedStringSerDe();
    private static final Comparator<ValueCount> ORDER =
            Comparator.comparingLong(ValueCount::count).reversed().thenComparing(ValueCount::value);

    /** Distinct values kept exactly; at most the 192 an items sketch holds before its first purge. */
    static final int EXACT_LIMIT = 32;
    /**
     * Exact limit of a read's merge target ({@link Aggregator#newMergeTarget()}): a window of up to
     * this many distinct values answers its exact counts (ADR 011; before it, 192: the distinct values
     * the smallest items sketch holds before its first purge, past which windows answered the
     * sketch's estimates). Such IRs are never stored; if one is encoded anyway with more than
     * {@value #EXACT_LIMIT} values it is written in the sketch form.
     */
    static final int MERGE_EXACT_LIMIT = 4096;
    private static final int FIRST_CAPACITY = 2;
    private static final char[] NO_CHARS = new char[0];
    /** Ints per value in {@code spans}: offset, length, hash. */
    private static final int SPAN = 3;

    private final int k;
    private final int exactLimit;
    /**
     * Exact mode (sketch == null): distinct values in [0, size) in first-seen order, held in place
     * (as {@link LastKIr} does): their chars one after the other in {@code text}, and per value its
     * offset there, its length and its {@link String#hashCode()} in {@code spans}; and their counts.
     * A tile's top_k is old by the time most of its values arrive, and storing each new value's
     * young string in it dirtied a card and gave the collector one more object to copy.
     */
    private char[] text = NO_CHARS;
    private int textLength;
    private int[] spans;
    private long[] counts;
    private int size;
    /**
     * A merge target's index of its exact values (value to position), from {@value #INDEX_FROM} values
     * on: a read that merges a week of tiles adds thousands of values, and a linear search per value
     * over up to 192 made that quadratic. Stored IRs (at most {@value #EXACT_LIMIT} values) search linearly
     * and never allocate it. Not state: copies and decodes do without it.
     */
    private HashMap<String, Integer> index;
    static final int INDEX_FROM = 16;
    /** Sketch mode: set once more than {@value #EXACT_LIMIT} distinct values were seen; the exact arrays are null then. */
    private ItemsSketch<String> sketch;

    TopKIr(int k) {
        this(k, EXACT_LIMIT);
    }

    TopKIr(int k, int exactLimit) {
        this.k = k;
        this.exactLimit = exactLimit;
    }

    static int maxMapSize(int k) {
        int wanted = 16 * k;
        int pow2 = Integer.highestOneBit(wanted);
        return Math.max(256, pow2 == wanted ? pow2 : pow2 << 1);
    }

    static String canonicalString(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Long || value instanceof Double || value instanceof Boolean) {
            return value.toString();
        }
        throw ValueOrder.notCanonical(value);
    }

    @Override
    public void add(Object value, long eventTime, String eventId) {
        String s = canonicalString(value);
        if (sketch != null) {
            sketch.update(s);
        } else {
            addExact(s, 1);
        }
    }

    /** Exact mode: counts {@code s} {@code count} times, moving to the sketch at the limit. */
    private void addExact(String s, long count) {
        buildIndexIfDue();
        int at = index != null ? indexOf(index.get(s)) : find(s, s.hashCode());
        if (at >= 0) {
            counts[at] += count;
            return;
        }
        if (size == exactLimit) {
            toSketch().update(s, count);
            return;
        }
        int n = s.length();
        int start = room(n);
        s.getChars(0, n, text, start);
        appended(start, n, s.hashCode(), count);
        if (index != null) {
            index.put(s, size - 1);
        }
    }

    /** {@link #addExact(String, long)} of exact value {@code i} of {@code o} (another IR), without making its string. */
    private void addExact(TopKIr o, int i, long count) {
        int off = o.spans[i * SPAN];
        int n = o.spans[i * SPAN + 1];
        int h = o.spans[i * SPAN + 2];
        buildIndexIfDue();
        int at = index != null ? indexOf(index.get(o.itemAt(i))) : find(o.text, off, n, h);
        if (at >= 0) {
            counts[at] += count;
            return;
        }
        if (size == exactLimit) {
            toSketch().update(o.itemAt(i), count);
            return;
        }
        int start = room(n);
        System.arraycopy(o.text, off, text, start, n);
        appended(start, n, h, count);
        if (index != null) {
            index.put(itemAt(size - 1), size - 1);
        }
    }

    private static int indexOf(Integer at) {
        return at == null ? -1 : at;
    }

    private void buildIndexIfDue() {
        if (index == null && size >= INDEX_FROM && exactLimit > EXACT_LIMIT) {
            index = new HashMap<>(2 * exactLimit);
            for (int i = 0; i < size; i++) {
                index.put(itemAt(i), i);
            }
        }
    }

    /** The position of the value {@code s} (its hash {@code h}) among the exact values, or -1. */
    private int find(String s, int h) {
        int n = s.length();
        for (int i = 0; i < size; i++) {
            int e = i * SPAN;
            if (spans[e + 2] == h && spans[e + 1] == n) {
                int off = spans[e];
                int j = 0;
                while (j < n && text[off + j] == s.charAt(j)) {
                    j++;
                }
                if (j == n) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** The same for the value {@code chars[off, off + n)}. */
    private int find(char[] chars, int off, int n, int h) {
        for (int i = 0; i < size; i++) {
            int e = i * SPAN;
            if (spans[e + 2] == h && spans[e + 1] == n && Arrays.equals(text, spans[e], spans[e] + n, chars, off, off + n)) {
                return i;
            }
        }
        return -1;
    }

    /** Makes room for one more value of {@code n} chars; returns where its chars go. */
    private int room(int n) {
        if (spans == null) {
            spans = new int[FIRST_CAPACITY * SPAN];
            counts = new long[FIRST_CAPACITY];
        } else if (size == counts.length) {
            int cap = Math.min(exactLimit, size * 2);
            spans = Arrays.copyOf(spans, cap * SPAN);
            counts = Arrays.copyOf(counts, cap);
        }
        if (text.length < textLength + n) {
            text = Arrays.copyOf(text, Math.max(16, (textLength + n) + ((textLength + n) >> 1)));
        }
        return textLength;
    }

    /** Records the value whose chars were just written at {@code start} as the next one. */
    private void appended(int start, int n, int h, long count) {
        int e = size * SPAN;
        spans[e] = start;
        spans[e + 1] = n;
        spans[e + 2] = h;
        counts[size] = count;
        textLength += n;
        size++;
    }

    /** Exact value {@code i} as a new string. */
    private String itemAt(int i) {
        return new String(text, spans[i * SPAN], spans[i * SPAN + 1]);
    }

    /** Moves this IR to sketch mode. */
    private ItemsSketch<String> toSketch() {
        sketch = exactAsSketch();
        text = NO_CHARS;
        textLength = 0;
        spans = null;
        counts = null;
        index = null;
        size = 0;
        return sketch;
    }

    /** The sketch that would have seen this exact IR's adds: its pairs in first-seen order. */
    private ItemsSketch<String> exactAsSketch() {
        ItemsSketch<String> s = new ItemsSketch<>(maxMapSize(k));
        for (int i = 0; i < size; i++) {
            s.update(itemAt(i), counts[i]);
        }
        return s;
    }

    @Override
    public void merge(Ir other) {
        TopKIr o = MergeCheck.sameKind(this, other, TopKIr.class);
        if (o.isEmpty()) {
            return;
        }
        if (o.sketch == null) {
            TopKIr theirs = o == this ? (TopKIr) copy() : o; // this IR's arrays change (or go) as it takes them
            int n = theirs.size;
            for (int i = 0; i < n; i++) {
                if (sketch != null) {
                    sketch.update(theirs.itemAt(i), theirs.counts[i]);
                } else {
                    addExact(theirs, i, theirs.counts[i]);
                }
            }
            return;
        }
        if (sketch == null && exactLimit > EXACT_LIMIT && o.neverPurged()) {
            // a merge target takes a sketch that never purged as the exact pairs it holds (ADR 011)
            for (ItemsSketch.Row<String> row : o.sketch.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES)) {
                if (sketch != null) {
                    sketch.update(row.getItem(), row.getEstimate());
                } else {
                    addExact(row.getItem(), row.getEstimate());
                }
            }
            return;
        }
        ItemsSketch<String> theirs = o == this ? copyOf(o.sketch) : o.sketch;
        if (sketch != null) {
            sketch.merge(theirs);
        } else if (size == 0) {
            sketch = copyOf(theirs);
        } else {
            toSketch().merge(theirs);
        }
    }

    @Override
    public Object result() {
        if (isEmpty()) {
            return List.of();
        }
        List<ValueCount> rows = new ArrayList<>();
        if (sketch == null) {
            for (int i = 0; i < size; i++) {
                rows.add(new ValueCount(itemAt(i), counts[i]));
            }
        } else {
            for (ItemsSketch.Row<String> row : sketch.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES)) {
                rows.add(new ValueCount(row.getItem(), row.getEstimate()));
            }
        }
        rows.sort(ORDER);
        return List.copyOf(rows.subList(0, Math.min(k, rows.size())));
    }

    @Override
    public boolean isEmpty() {
        return sketch == null && size == 0;
    }

    /** True once the IR has moved to its items sketch (for tests, diagnostics and {@link TopKPrefix}). */
    boolean isSketch() {
        return sketch != null;
    }

    /**
     * True for a sketch that never purged: it holds every value with its exact count (its maximum
     * error is 0 until the first purge, which subtracts at least 1 from every counter).
     */
    boolean neverPurged() {
        return sketch != null && sketch.getMaximumError() == 0;
    }

    int k() {
        return k;
    }

    /** Exact mode: the number of distinct values. */
    int exactSize() {
        return size;
    }

    /** Exact mode: value {@code i} in first-seen order (a new string). */
    String exactItem(int i) {
        return itemAt(i);
    }

    /** Exact mode: the count of value {@code i}. */
    long exactCount(int i) {
        return counts[i];
    }

    /** The count this IR reports for {@code value} (a sketch: its estimate), or 0 when it does not hold it. */
    long reportedCount(String value) {
        if (sketch != null) {
            return sketch.getEstimate(value);
        }
        if (index != null) {
            Integer at = index.get(value);
            return at == null ? 0 : counts[at];
        }
        int at = find(value, value.hashCode());
        return at < 0 ? 0 : counts[at];
    }

    /** Sketch mode: the items sketch (not a copy; callers must not change it). */
    ItemsSketch<String> sketch() {
        return sketch;
    }

    /** The order of a result: count descending, then value ascending. */
    static Comparator<ValueCount> order() {
        return ORDER;
    }

    /** The sketch's maximum overcount: 0 while exact (for tests). */
    long maximumError() {
        return sketch == null ? 0 : sketch.getMaximumError();
    }

    @Override
    public Ir copy() {
        TopKIr c = new TopKIr(k, exactLimit);
        if (sketch != null) {
            c.sketch = copyOf(sketch);
        } else if (size > 0) {
            c.text = Arrays.copyOf(text, textLength);
            c.textLength = textLength;
            c.spans = Arrays.copyOf(spans, size * SPAN);
            c.counts = Arrays.copyOf(counts, size);
            c.size = size;
        }
        return c;
    }

    private static ItemsSketch<String> copyOf(ItemsSketch<String> s) {
        return ItemsSketch.getInstance(Memory.wrap(s.toByteArray(SERDE)), SERDE);
    }

    @Override
    public void encode(ByteWriter out) {
        if (sketch != null || size > EXACT_LIMIT) {
            out.writeByte(VERSION).writeBytes((sketch != null ? sketch : exactAsSketch()).toByteArray(SERDE));
            return;
        }
        out.writeByte(EXACT_VERSION).writeUnsignedVarLong(size);
        for (int i = 0; i < size; i++) {
            out.writeString(text, spans[i * SPAN], spans[i * SPAN + 1]).writeUnsignedVarLong(counts[i]);
        }
    }

    static TopKIr decode(ByteReader in, int k) {
        int version = FormatVersion.expectOneOf(in, VERSION, EXACT_VERSION);
        return version == EXACT_VERSION ? decodeExact(in, k) : decodeSketch(in, k);
    }

    private static TopKIr decodeExact(ByteReader in, int k) {
        int at = in.position();
        int n = in.readLength();
        if (n > EXACT_LIMIT) {
            throw new CorruptDataException("top_k exact form of " + n + " values at offset " + at + " exceeds "
                    + EXACT_LIMIT + " (larger IRs are stored as sketches)");
        }
        TopKIr ir = new TopKIr(k);
        if (n == 0) {
            return ir;
        }
        for (int i = 0; i < n; i++) {
            int itemAt = in.position();
            String item = in.readString();
            long count = in.readUnsignedVarLong();
            if (count <= 0) {
                throw new CorruptDataException("top_k count " + Long.toUnsignedString(count) + " at offset " + itemAt
                        + " is not positive");
            }
            if (ir.find(item, item.hashCode()) >= 0) {
                throw new CorruptDataException("top_k value repeated at offset " + itemAt);
            }
            ir.addExact(item, count);
        }
        return ir;
    }

    private static TopKIr decodeSketch(ByteReader in, int k) {
        int at = in.position();
        byte[] image = in.readBytes();
        TopKIr ir = new TopKIr(k);
        if (image.length == 0) {
            return ir;
        }
        checkPreamble(image, at);
        ItemsSketch<String> sketch;
        try {
            sketch = ItemsSketch.getInstance(Memory.wrap(image), SERDE);
            checkConsistent(sketch, at);
        } catch (CorruptDataException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CorruptDataException("top_k sketch at offset " + at + " does not decode: " + e, e);
        }
        ItemsSketch.Row<String>[] rows = sketch.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES);
        long counted = 0;
        for (ItemsSketch.Row<String> row : rows) {
            counted += row.getEstimate();
        }
        if (sketch.getMaximumError() == 0 && rows.length <= EXACT_LIMIT && counted == sketch.getStreamLength()) {
            // never purged: every value with its exact count, which the exact form holds for less
            for (ItemsSketch.Row<String> row : rows) {
                ir.addExact(row.getItem(), row.getEstimate());
            }
        } else {
            ir.sketch = sketch;
        }
        return ir;
    }

    /**
     * The library allocates its hash map (2^lgCurMapSize, byte 4) and its counter array (numActive,
     * the little-endian int at byte 8) from these bytes before checking them against the image, so
     * bound both first: garbage must not ask for gigabytes. A non-empty image holds a 32-byte
     * preamble, then per item an 8-byte counter and at least a 4-byte string length.
     */
    private static void checkPreamble(byte[] image, int at) {
        boolean ok = image.length >= 8 && (image[3] & 0xFF) <= MAX_LG_MAP_SIZE && (image[4] & 0xFF) <= MAX_LG_MAP_SIZE;
        if (ok && image.length >= 12) {
            long numActive = (image[8] & 0xFFL) | (image[9] & 0xFFL) << 8 | (image[10] & 0xFFL) << 16 | (image[11] & 0xFFL) << 24;
            ok = numActive <= (image.length - 32) / 12;
        }
        if (!ok) {
            throw new CorruptDataException("top_k sketch at offset " + at + " has an impossible preamble");
        }
    }

    /**
     * The library accepts any counters; ours come from counting, so: at least one item, counters
     * positive, their sum at most the stream length, and the maximum error within [0, stream length].
     */
    private static void checkConsistent(ItemsSketch<String> sketch, int at) {
        long n = sketch.getStreamLength();
        long maxError = sketch.getMaximumError();
        long counted = 0;
        ItemsSketch.Row<String>[] rows = sketch.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES);
        for (ItemsSketch.Row<String> row : rows) {
            counted += row.getLowerBound();
            if (row.getLowerBound() <= 0 || counted < 0) {
                counted = -1;
                break;
            }
        }
        if (rows.length == 0 || counted < 0 || counted > n || maxError < 0 || maxError > n) {
            throw new CorruptDataException("top_k sketch at offset " + at + " is inconsistent: " + rows.length
                    + " items, stream length " + n + ", maximum error " + maxError);
        }
    }

    /**
     * DataSketches' string serde allocates each string with a length read from the bytes; this one
     * first checks every length against the bytes actually there, so garbage cannot ask for
     * gigabytes. Same byte format (per item: 4-byte little-endian length, UTF-8).
     *
     * <p>Writing, it encodes ASCII strings (ids, codes: nearly every top_k value) straight into one
     * array, where the library's encodes each string to an array of its own, then copies them all
     * through a memory wrapper: a head tile's sketch is re-encoded at every flush of a hot entity,
     * and that was a third of its cost. Other strings go the library's way. The bytes are the same.
     */
    static final class BoundedStringSerDe extends ArrayOfStringsSerDe {
        @Override
        public byte[] serializeToByteArray(String[] items) {
            int total = 0;
            for (String item : items) {
                int n = item.length();
                for (int i = 0; i < n; i++) {
                    if (item.charAt(i) >= 0x80) {
                        return super.serializeToByteArray(items);
                    }
                }
                total += Integer.BYTES + n;
            }
            byte[] out = new byte[total];
            int at = 0;
            for (String item : items) {
                int n = item.length();
                out[at] = (byte) n;
                out[at + 1] = (byte) (n >>> 8);
                out[at + 2] = (byte) (n >>> 16);
                out[at + 3] = (byte) (n >>> 24);
                at += Integer.BYTES;
                for (int i = 0; i < n; i++) {
                    out[at + i] = (byte) item.charAt(i);
                }
                at += n;
            }
            return out;
        }

        @Override
        public String[] deserializeFromMemory(Memory mem, long offsetBytes, int numItems) {
            long capacity = mem.getCapacity();
            long pos = offsetBytes;
            if (numItems < 0 || numItems > (capacity - offsetBytes) / Integer.BYTES) {
                throw new IllegalArgumentException(numItems + " strings cannot fit in " + (capacity - offsetBytes) + " bytes");
            }
            for (int i = 0; i < numItems; i++) {
                if (pos + Integer.BYTES > capacity) {
                    throw new IllegalArgumentException("string " + i + " is cut off");
                }
                int length = mem.getInt(pos);
                if (length < 0 || pos + Integer.BYTES + length > capacity) {
                    throw new IllegalArgumentException("string " + i + " has length " + length + " beyond the bytes left");
                }
                pos += Integer.BYTES + length;
            }
            return super.deserializeFromMemory(mem, offsetBytes, numItems);
        }
    }

    @Override
    public String toString() {
        return "TopKIr[k=" + k + (sketch == null ? ", exact " + size + " values" : ", sketch n=" + sketch.getStreamLength()) + "]";
    }
}

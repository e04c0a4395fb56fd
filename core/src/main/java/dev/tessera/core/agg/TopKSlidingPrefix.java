package dev.tessera.core.agg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.datasketches.frequencies.ErrorType;
import org.apache.datasketches.frequencies.ItemsSketch;

/**
 * The {@link SlidingPrefix} of top_k while the window is exact: each value of the IRs held with its
 * total count ({@link StringCounts}, about 12 bytes a slot). While every IR is exact (or a sketch that
 * never purged, which holds exact counts) and the window holds at most
 * {@value TopKIr#MERGE_EXACT_LIMIT} distinct values, the fold's merge target holds the exact count of
 * every value, and its answer — count descending, then value ascending, the first k — is what this
 * computes: the last IR's values with their totals, ranked, merged with the prefix's best values,
 * skipping those of the last IR. The prefix's best {@code r} values (r at least k plus the last
 * IR's values) are selected by one scan of the counts, and then kept up to date as counts change:
 * every value not listed ranks after the list's last entry, so a value whose count grows enters the
 * list if it ranks before that entry (the last one leaves), and a listed value whose count shrinks
 * below it leaves the list. Only a list grown too short is selected again by a scan. The list keeps a
 * {@link #sortKey} of each value (its first seven chars), so finding and placing values compares
 * counts and keys, and reads a listed string only when two keys tie.
 */
final class TopKSlidingPrefix extends SlidingPrefix {
    /** The least number of values a selection lists (see {@link #listRoom}). */
    static final int MIN_LIST = 48;

    private StringCounts counts = new StringCounts();
    /** The prefix's best values in result order, their counts and {@link #sortKey}s; valid while {@code ranked != null}. */
    private String[] ranked;
    private long[] rankedCounts;
    private long[] rankedKeys;
    private int rankedLength;
    /** Whether the list holds every value of the prefix (fewer than it has room for). */
    private boolean rankedAll;
    /*
     * What the last read looked up for its last IR, kept while the IRs held stay the same (no append or drop since:
     * {@link #changes()}) and the last IR is the same exact IR: its values keep their first-seen
     * positions and new ones are appended (TopKIr), so a read looks up only the values it gained —
     * a busy account's hour holds dozens, each a probe of a table of thousands.
     */
    /** The exact last IR the memo is for; null when there is none. */
    private TopKIr memoOf;
    /** {@link #changes()} when the memo was made. */
    private long memoChanges;
    /** The prefix's count of the memo IR's values [0, memoSize), in the IR's order. */
    private long[] memoPrefixCounts = new long[0];
    private int memoSize;
    /** Those values, for the membership test of long lists (more than 8); null until needed. */
    private Set<String> memoValues;

    TopKSlidingPrefix(Aggregator aggregator) {
        super(aggregator);
    }

    @Override
    WindowPrefix folded() {
        return new TopKPrefix(aggregator);
    }

    @Override
    boolean added(Ir ir) {
        TopKIr t = (TopKIr) ir;
        if (t.isSketch()) {
            if (!t.neverPurged()) {
                return false;
            }
            for (ItemsSketch.Row<String> row : t.sketch().getFrequentItems(ErrorType.NO_FALSE_NEGATIVES)) {
                grow(row.getItem(), row.getEstimate());
            }
        } else {
            for (int i = 0; i < t.exactSize(); i++) {
                grow(t.exactItem(i), t.exactCount(i));
            }
        }
        return counts.size() <= TopKIr.MERGE_EXACT_LIMIT;
    }

    private void grow(String value, long delta) {
        long after = counts.get(value) + delta;
        counts.put(value, after);
        if (ranked == null) {
            return;
        }
        long key = sortKey(value);
        int at = indexOf(value, key, after - delta);
        if (at >= 0) {
            remove(at); // taken out, put back below at its new rank
        } else if (!rankedAll && (rankedLength == 0 || !before(value, key, after, rankedLength - 1))) {
            return; // still after the list's last entry
        }
        if (rankedLength == ranked.length) {
            rankedLength--; // the last entry leaves; it still ranks before every value not listed
            rankedAll = false;
        }
        insert(value, key, after);
    }

    /**
     * A key of {@code v}'s first seven chars, nine bits each, such that {@code sortKey(a) < sortKey(b)}
     * implies {@code a.compareTo(b) < 0} (equal keys tell nothing): a char below 255 is coded as
     * itself plus one, a position past the end as 0, and the first char of 255 or more as 256, after
     * which the key stops (so the chars before the first difference of two keys are equal chars
     * below 255, and the difference orders them as {@link String#compareTo} does). The list compares
     * keys, and reads the strings only when two keys are equal: a string and its bytes are two cache
     * misses each on a list that was not read since the account's previous event.
     */
    static long sortKey(String v) {
        long k = 0;
        int n = v.length();
        boolean stopped = false;
        for (int i = 0; i < 7; i++) {
            int code = 0;
            if (!stopped && i < n) {
                char ch = v.charAt(i);
                if (ch < 255) {
                    code = ch + 1;
                } else {
                    code = 256;
                    stopped = true;
                }
            }
            k = k << 9 | code;
        }
        return k;
    }

    /** {@link String#compareTo} of two values, given their {@link #sortKey}s. */
    private static int compareValues(String a, long aKey, String b, long bKey) {
        return aKey != bKey ? Long.compare(aKey, bKey) : a.compareTo(b);
    }

    /** Whether (value, count) ranks before list entry {@code i}. */
    private boolean before(String value, long key, long count, int i) {
        return count > rankedCounts[i] || count == rankedCounts[i] && compareValues(value, key, ranked[i], rankedKeys[i]) < 0;
    }

    /** Takes list entry {@code at} out. */
    private void remove(int at) {
        rankedLength--;
        System.arraycopy(ranked, at + 1, ranked, at, rankedLength - at);
        System.arraycopy(rankedCounts, at + 1, rankedCounts, at, rankedLength - at);
        System.arraycopy(rankedKeys, at + 1, rankedKeys, at, rankedLength - at);
    }

    /**
     * Where (value, count) is in the list, or -1: the list is in result order and holds each listed
     * value with its current count, so a binary search finds it (a slide of a busy account's week
     * moves dozens of listed values, and a linear search per value was a spike at every new hour).
     */
    private int indexOf(String value, long key, long count) {
        if (count == 0) {
            return -1;
        }
        int lo = 0;
        int hi = rankedLength - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = count != rankedCounts[mid] ? (count > rankedCounts[mid] ? -1 : 1)
                    : compareValues(value, key, ranked[mid], rankedKeys[mid]);
            if (c == 0) {
                return mid;
            }
            if (c < 0) {
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return -1;
    }

    /** Puts (value, count), which is not listed, at its place in the list (which has room). */
    private void insert(String value, long key, long count) {
        int lo = 0; // the first entry it ranks before, by binary search (a walk from the end compared strings all the way)
        int hi = rankedLength;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (before(value, key, count, mid)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        int at = lo;
        System.arraycopy(ranked, at, ranked, at + 1, rankedLength - at);
        System.arraycopy(rankedCounts, at, rankedCounts, at + 1, rankedLength - at);
        System.arraycopy(rankedKeys, at, rankedKeys, at + 1, rankedLength - at);
        ranked[at] = value;
        rankedCounts[at] = count;
        rankedKeys[at] = key;
        rankedLength++;
    }

    @Override
    boolean removed(Ir ir) {
        TopKIr t = (TopKIr) ir;
        if (t.isSketch()) {
            for (ItemsSketch.Row<String> row : t.sketch().getFrequentItems(ErrorType.NO_FALSE_NEGATIVES)) {
                if (!subtract(row.getItem(), row.getEstimate())) {
                    return false;
                }
            }
        } else {
            for (int i = 0; i < t.exactSize(); i++) {
                if (!subtract(t.exactItem(i), t.exactCount(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    private boolean subtract(String value, long count) {
        long c = counts.get(value);
        if (c < count) {
            return false; // not held: a caller's bug
        }
        counts.put(value, c - count);
        if (ranked == null) {
            return true;
        }
        long key = sortKey(value);
        int at = indexOf(value, key, c);
        if (at >= 0) {
            remove(at);
            // back in if it still ranks before the last entry (or every value is listed); else it leaves
            if (c > count && (rankedAll || rankedLength > 0 && before(value, key, c - count, rankedLength - 1))) {
                insert(value, key, c - count);
            }
        }
        return true;
    }

    @Override
    Object exactResult(Ir last) {
        TopKIr tail = (TopKIr) last;
        String[] lastValues;
        long[] lastCounts;
        int m;
        if (tail == null) {
            lastValues = new String[0];
            lastCounts = new long[0];
            m = 0;
        } else if (tail.isSketch()) {
            if (!tail.neverPurged()) {
                return CANNOT;
            }
            ItemsSketch.Row<String>[] rows = tail.sketch().getFrequentItems(ErrorType.NO_FALSE_NEGATIVES);
            m = rows.length;
            lastValues = new String[m];
            lastCounts = new long[m];
            for (int i = 0; i < m; i++) {
                lastValues[i] = rows[i].getItem();
                lastCounts[i] = rows[i].getEstimate();
            }
        } else {
            m = tail.exactSize();
            lastValues = new String[m];
            lastCounts = new long[m];
            for (int i = 0; i < m; i++) {
                lastValues[i] = tail.exactItem(i);
                lastCounts[i] = tail.exactCount(i);
            }
        }
        int k = ((TopKIr) (tail != null ? tail : held(0, true))).k();
        long[] before = prefixCounts(tail, lastValues, m);
        int distinct = counts.size();
        for (int i = 0; i < m; i++) {
            if (before[i] == 0) {
                distinct++;
            }
        }
        if (distinct > TopKIr.MERGE_EXACT_LIMIT) {
            return CANNOT;
        }
        // only the first k of the last IR's values in result order can be taken: select those
        int mk = Math.min(k, m);
        ValueCount[] changed = new ValueCount[mk];
        long[] changedKeys = new long[mk];
        int filled = 0;
        for (int i = 0; i < m; i++) {
            long total = before[i] + lastCounts[i];
            if (filled == mk && !before(lastValues[i], total, changed[mk - 1])) {
                continue;
            }
            int at = filled < mk ? filled++ : mk - 1;
            while (at > 0 && before(lastValues[i], total, changed[at - 1])) {
                changed[at] = changed[at - 1];
                changedKeys[at] = changedKeys[at - 1];
                at--;
            }
            changed[at] = new ValueCount(lastValues[i], total);
            changedKeys[at] = sortKey(lastValues[i]);
        }
        long[] lastKeys = null;
        if (m <= 8) {
            lastKeys = new long[m];
            for (int i = 0; i < m; i++) {
                lastKeys[i] = sortKey(lastValues[i]);
            }
        }
        if (ranked == null) {
            rank(listRoom(k, m));
        }
        Set<String> inLast = m <= 8 ? null : tail != null && memoOf == tail ? memoValues : new HashSet<>(Arrays.asList(lastValues));
        List<ValueCount> top;
        for (int attempt = 0; ; attempt++) {
            top = new ArrayList<>(k);
            int a = 0;
            int b = 0;
            boolean listShort = false;
            while (top.size() < k) {
                while (a < rankedLength && (inLast != null ? inLast.contains(ranked[a])
                        : contains(lastValues, lastKeys, m, ranked[a], rankedKeys[a]))) {
                    a++; // its count changed: it is among the last IR's values
                }
                if (a == rankedLength && !rankedAll) {
                    listShort = true; // a value not listed might come next: the list must be selected again
                    break;
                }
                if (a == rankedLength && b == mk) {
                    break;
                }
                if (a == rankedLength || b < mk && compare(changed[b], changedKeys[b], ranked[a], rankedKeys[a], rankedCounts[a]) < 0) {
                    top.add(changed[b++]);
                } else {
                    top.add(new ValueCount(ranked[a], rankedCounts[a]));
                    a++;
                }
            }
            if (!listShort) {
                break;
            }
            // room for k values besides the last IR's m, for it to gain values and for listed values to
            // leave before the next scan; a second shortfall (which that room rules out) lists them all
            rank(attempt == 0 ? listRoom(k, m) : counts.size() + 1);
        }
        return List.copyOf(top);
    }

    /**
     * How many values a selection lists: k, room for the last IR's m values to move, and a margin
     * for listed values to leave before the list runs short and the counts are scanned again. The
     * margin is at least {@value #MIN_LIST}: on a quiet account every slide drops a value or two,
     * and with a margin of 8 a week's window was scanned again in 0.3 % of reads, a tenth of its
     * slow reads (bench/RESULTS.md, session 6).
     */
    private static int listRoom(int k, int m) {
        return Math.max(k + 2 * m + 8, MIN_LIST);
    }

    /** Whether (value, count) comes before {@code row} in {@link TopKIr#order()}. */
    private static boolean before(String value, long count, ValueCount row) {
        return count > row.count() || count == row.count() && value.compareTo(row.value()) < 0;
    }

    /**
     * The prefix's count of each of the last IR's values: from the memo for the values it has seen
     * when {@code tail} is the exact IR it was made for, looked up for the others (and remembered).
     */
    private long[] prefixCounts(TopKIr tail, String[] values, int m) {
        if (tail == null || tail.isSketch()) {
            memoOf = null; // an exact IR that became a sketch keeps its identity, not its order
            long[] before = new long[m];
            for (int i = 0; i < m; i++) {
                before[i] = counts.get(values[i]);
            }
            return before;
        }
        if (memoOf != tail || memoChanges != changes()) {
            memoOf = tail;
            memoChanges = changes();
            memoSize = 0;
            memoValues = null;
        }
        if (memoPrefixCounts.length < m) {
            memoPrefixCounts = Arrays.copyOf(memoPrefixCounts, Math.max(m, 2 * memoPrefixCounts.length));
        }
        for (int i = memoSize; i < m; i++) {
            memoPrefixCounts[i] = counts.get(values[i]);
        }
        if (m > 8) {
            if (memoValues == null) {
                memoValues = new HashSet<>(Arrays.asList(values).subList(0, m));
            } else {
                for (int i = memoSize; i < m; i++) {
                    memoValues.add(values[i]);
                }
            }
        }
        memoSize = m;
        return memoPrefixCounts;
    }

    /** {@link TopKIr#order()} between a row and a (value, count). */
    private static int compare(ValueCount x, long xKey, String value, long key, long count) {
        int c = Long.compare(count, x.count());
        return c != 0 ? c : compareValues(x.value(), xKey, value, key);
    }

    private static boolean contains(String[] values, long[] keys, int m, String v, long key) {
        for (int i = 0; i < m; i++) {
            if (keys[i] == key && values[i].equals(v)) {
                return true;
            }
        }
        return false;
    }

    /** Selects the prefix's best {@code r} values in result order (all of them when fewer). */
    private void rank(int r) {
        // a heap of the best r seen so far with the worst at its root: a value that does not beat the
        // root costs one comparison, one that does log r (an insertion into a sorted run cost up to r,
        // and a busy account's week holds thousands of values)
        String[] hv = new String[r];
        long[] hc = new long[r];
        int n = 0;
        for (int i = 0; i < counts.capacity(); i++) {
            String v = counts.keyAt(i);
            if (v == null) {
                continue;
            }
            long c = counts.countAt(i);
            if (n < r) {
                hv[n] = v;
                hc[n++] = c;
                if (n == r) {
                    heapify(hv, hc, n);
                }
            } else if (worse(hc[0], hv[0], c, v)) {
                siftDown(hv, hc, n, 0, c, v);
            }
        }
        if (n < r) {
            heapify(hv, hc, n);
        }
        ranked = new String[r];
        rankedCounts = new long[r];
        rankedKeys = new long[r];
        for (int size = n; size > 0; size--) { // the root is the worst left: it goes last
            ranked[size - 1] = hv[0];
            rankedCounts[size - 1] = hc[0];
            rankedKeys[size - 1] = sortKey(hv[0]);
            if (size > 1) {
                siftDown(hv, hc, size - 1, 0, hc[size - 1], hv[size - 1]);
            }
        }
        rankedLength = n;
        rankedAll = n < r;
    }

    /** Whether (ca, va) ranks after (cb, vb) in {@link TopKIr#order()}. */
    private static boolean worse(long ca, String va, long cb, String vb) {
        return ca < cb || ca == cb && va.compareTo(vb) > 0;
    }

    /** Makes {@code [0, n)} a heap with the worst at the root (bottom-up). */
    private static void heapify(String[] hv, long[] hc, int n) {
        for (int i = n / 2 - 1; i >= 0; i--) {
            siftDown(hv, hc, n, i, hc[i], hv[i]);
        }
    }

    /** Puts (c, v) at {@code at} of the heap {@code [0, n)} and sifts it down to its place. */
    private static void siftDown(String[] hv, long[] hc, int n, int at, long c, String v) {
        while (true) {
            int child = 2 * at + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && worse(hc[child + 1], hv[child + 1], hc[child], hv[child])) {
                child++;
            }
            if (!worse(hc[child], hv[child], c, v)) {
                break;
            }
            hv[at] = hv[child];
            hc[at] = hc[child];
            at = child;
        }
        hv[at] = v;
        hc[at] = c;
    }

    @Override
    void released() {
        counts = null;
        ranked = null;
        rankedKeys = null;
        memoOf = null;
        memoValues = null;
    }
}

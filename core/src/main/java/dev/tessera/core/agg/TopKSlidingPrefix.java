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
 * below it leaves the list. Only a list grown too short is selected again by a scan.
 */
final class TopKSlidingPrefix extends SlidingPrefix {
    private StringCounts counts = new StringCounts();
    /** The prefix's best values in result order, and their counts; valid while {@code ranked != null}. */
    private String[] ranked;
    private long[] rankedCounts;
    private int rankedLength;
    /** Whether the list holds every value of the prefix (fewer than it has room for). */
    private boolean rankedAll;

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
        int at = indexOf(value);
        if (at >= 0) {
            rankedLength--; // taken out, put back below at its new rank
            System.arraycopy(ranked, at + 1, ranked, at, rankedLength - at);
            System.arraycopy(rankedCounts, at + 1, rankedCounts, at, rankedLength - at);
        } else if (!rankedAll && (rankedLength == 0 || !before(value, after, rankedLength - 1))) {
            return; // still after the list's last entry
        }
        if (rankedLength == ranked.length) {
            rankedLength--; // the last entry leaves; it still ranks before every value not listed
            rankedAll = false;
        }
        insert(value, after);
    }

    /** Whether (value, count) ranks before list entry {@code i}. */
    private boolean before(String value, long count, int i) {
        return count > rankedCounts[i] || count == rankedCounts[i] && value.compareTo(ranked[i]) < 0;
    }

    private int indexOf(String value) {
        for (int i = 0; i < rankedLength; i++) {
            if (ranked[i].equals(value)) {
                return i;
            }
        }
        return -1;
    }

    private void insert(String value, long count) {
        int at = rankedLength;
        while (at > 0 && before(value, count, at - 1)) {
            ranked[at] = ranked[at - 1];
            rankedCounts[at] = rankedCounts[at - 1];
            at--;
        }
        ranked[at] = value;
        rankedCounts[at] = count;
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
        int at = ranked == null ? -1 : indexOf(value);
        if (at >= 0) {
            rankedLength--;
            System.arraycopy(ranked, at + 1, ranked, at, rankedLength - at);
            System.arraycopy(rankedCounts, at + 1, rankedCounts, at, rankedLength - at);
            // back in if it still ranks before the last entry (or every value is listed); else it leaves
            if (c > count && (rankedAll || rankedLength > 0 && before(value, c - count, rankedLength - 1))) {
                insert(value, c - count);
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
        ValueCount[] changed = new ValueCount[m];
        int distinct = counts.size();
        for (int i = 0; i < m; i++) {
            long c = counts.get(lastValues[i]);
            if (c == 0) {
                distinct++;
            }
            changed[i] = new ValueCount(lastValues[i], c + lastCounts[i]);
        }
        if (distinct > TopKIr.MERGE_EXACT_LIMIT) {
            return CANNOT;
        }
        Arrays.sort(changed, TopKIr.order());
        if (ranked == null || rankedLength < k + m && !rankedAll) {
            rank(k + 2 * m + 8); // room for the last IR to gain values, and listed values to leave, before the next scan
        }
        Set<String> inLast = m <= 8 ? null : new HashSet<>(Arrays.asList(lastValues));
        List<ValueCount> top = new ArrayList<>(k);
        int a = 0;
        int b = 0;
        while (top.size() < k) {
            while (a < rankedLength && (inLast != null ? inLast.contains(ranked[a]) : contains(lastValues, m, ranked[a]))) {
                a++; // its count changed: it is among the last IR's values
            }
            if (a == rankedLength && b == m) {
                break;
            }
            if (a == rankedLength || b < m && compare(changed[b], ranked[a], rankedCounts[a]) < 0) {
                top.add(changed[b++]);
            } else {
                top.add(new ValueCount(ranked[a], rankedCounts[a]));
                a++;
            }
        }
        return List.copyOf(top);
    }

    /** {@link TopKIr#order()} between a row and a (value, count). */
    private static int compare(ValueCount x, String value, long count) {
        int c = Long.compare(count, x.count());
        return c != 0 ? c : x.value().compareTo(value);
    }

    private static boolean contains(String[] values, int m, String v) {
        for (int i = 0; i < m; i++) {
            if (values[i].equals(v)) {
                return true;
            }
        }
        return false;
    }

    /** Selects the prefix's best {@code r} values in result order (all of them when fewer). */
    private void rank(int r) {
        ranked = new String[r];
        rankedCounts = new long[r];
        int n = 0;
        for (int i = 0; i < counts.capacity(); i++) {
            String v = counts.keyAt(i);
            if (v == null) {
                continue;
            }
            long c = counts.countAt(i);
            if (n == r) {
                long worst = rankedCounts[r - 1];
                if (c < worst || c == worst && ranked[r - 1].compareTo(v) < 0) {
                    continue;
                }
                n--;
            }
            int at = n; // insertion into the sorted run
            while (at > 0 && (rankedCounts[at - 1] < c || rankedCounts[at - 1] == c && ranked[at - 1].compareTo(v) > 0)) {
                ranked[at] = ranked[at - 1];
                rankedCounts[at] = rankedCounts[at - 1];
                at--;
            }
            ranked[at] = v;
            rankedCounts[at] = c;
            n++;
        }
        rankedLength = n;
        rankedAll = n < r;
    }

    @Override
    void released() {
        counts = null;
        ranked = null;
    }
}

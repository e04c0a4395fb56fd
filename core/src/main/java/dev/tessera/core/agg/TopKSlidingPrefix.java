package dev.tessera.core.agg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.datasketches.frequencies.ErrorType;
import org.apache.datasketches.frequencies.ItemsSketch;

/**
 * The {@link SlidingPrefix} of top_k while the window is exact: each value of the IRs held with its
 * total count, and the values grouped by count in order ({@code byCount}: count descending, then
 * value ascending — the order of a result). While every IR is exact (or a sketch that never purged,
 * which holds exact counts) and the window holds at most {@value TopKIr#MERGE_EXACT_LIMIT} distinct
 * values, the fold's merge target holds the exact count of every value, and its answer — that order,
 * the first k — is what this computes: the last IR's values with their totals, ranked, merged with
 * the prefix's values in order, skipping those of the last IR. An IR joining or leaving moves each of
 * its values to another count (two tree updates); a read walks about k + m values. Past the limit,
 * or with a sketch that purged, it gives up for the folding {@link TopKPrefix}.
 */
final class TopKSlidingPrefix extends SlidingPrefix {
    private Map<String, long[]> counts = new HashMap<>();
    private TreeMap<Long, TreeSet<String>> byCount = new TreeMap<>(Comparator.reverseOrder());

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
                change(row.getItem(), row.getEstimate());
            }
        } else {
            for (int i = 0; i < t.exactSize(); i++) {
                change(t.exactItem(i), t.exactCount(i));
            }
        }
        return counts.size() <= TopKIr.MERGE_EXACT_LIMIT;
    }

    @Override
    boolean removed(Ir ir) {
        TopKIr t = (TopKIr) ir;
        if (t.isSketch()) {
            for (ItemsSketch.Row<String> row : t.sketch().getFrequentItems(ErrorType.NO_FALSE_NEGATIVES)) {
                if (!change(row.getItem(), -row.getEstimate())) {
                    return false;
                }
            }
        } else {
            for (int i = 0; i < t.exactSize(); i++) {
                if (!change(t.exactItem(i), -t.exactCount(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Adds {@code delta} to the count of {@code value}; false when that would make it negative (a caller's bug). */
    private boolean change(String value, long delta) {
        long[] c = counts.get(value);
        long before = c == null ? 0 : c[0];
        long after = before + delta;
        if (after < 0) {
            return false;
        }
        if (before > 0) {
            TreeSet<String> same = byCount.get(before);
            same.remove(value);
            if (same.isEmpty()) {
                byCount.remove(before);
            }
        }
        if (after > 0) {
            if (c == null) {
                counts.put(value, new long[] {after});
            } else {
                c[0] = after;
            }
            byCount.computeIfAbsent(after, n -> new TreeSet<>()).add(value);
        } else if (c != null) {
            counts.remove(value);
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
            long[] c = counts.get(lastValues[i]);
            if (c == null) {
                distinct++;
            }
            changed[i] = new ValueCount(lastValues[i], (c == null ? 0 : c[0]) + lastCounts[i]);
        }
        if (distinct > TopKIr.MERGE_EXACT_LIMIT) {
            return CANNOT;
        }
        Arrays.sort(changed, TopKIr.order());
        Set<String> inLast = m <= 8 ? null : new HashSet<>(Arrays.asList(lastValues));
        List<ValueCount> top = new ArrayList<>(k);
        int b = 0;
        outer:
        for (Map.Entry<Long, TreeSet<String>> e : byCount.entrySet()) {
            long count = e.getKey();
            for (String v : e.getValue()) {
                if (inLast != null ? inLast.contains(v) : contains(lastValues, m, v)) {
                    continue; // its count changed: it is among the last IR's values
                }
                while (b < m && top.size() < k && compare(changed[b], v, count) < 0) {
                    top.add(changed[b++]);
                }
                if (top.size() == k) {
                    break outer;
                }
                top.add(new ValueCount(v, count));
                if (top.size() == k) {
                    break outer;
                }
            }
        }
        while (b < m && top.size() < k) {
            top.add(changed[b++]);
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

    @Override
    void released() {
        counts = null;
        byCount = null;
    }
}

package dev.tessera.core.agg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.datasketches.frequencies.ErrorType;
import org.apache.datasketches.frequencies.ItemsSketch;

/**
 * The folding {@link WindowPrefix} of top_k. The generic read copies the fold (up to 4,096 pairs, or an items
 * sketch through its serialized form) and ranks every value again. Here the fold is ranked once
 * ({@code rankedValues}: each value with the count the merge target would report, count descending,
 * then value ascending), and a read looks up the last IR's values in the fold
 * ({@link TopKIr#reportedCount}) and adds their counts.
 *
 * <h2>Why this is the generic answer</h2>
 * The merge target adds the last IR's (value, count) pairs to the fold's. Its reported count of a
 * value is its counter plus the sketch's offset (its maximum error; 0 while exact). As long as the
 * target neither leaves its exact form (at most {@value TopKIr#MERGE_EXACT_LIMIT} distinct values when the fold is exact) nor
 * purges (an items sketch purges only when its active values would exceed
 * {@code getMaximumMapCapacity()}; growing its map does not change counters), the result is: every
 * value of the fold not in the last IR with its fold count, every value of the last IR with its fold
 * count (or the offset when new) plus its count, ranked, cut at k. When the condition does not hold,
 * or the last IR is itself a sketch, the generic read is used.
 */
final class TopKPrefix extends MergedPrefix {
    /** The fold's values ranked, and their reported counts; null until needed, dropped when the fold changes. */
    private String[] rankedValues;
    private long[] rankedCounts;
    private long offset;
    /** How many distinct values the merge target may hold without purging or leaving its exact form. */
    private int capacity;

    TopKPrefix(Aggregator aggregator) {
        super(aggregator);
    }

    @Override
    void changed() {
        rankedValues = null;
    }

    @Override
    public Object resultWith(Ir last) {
        Ir f = fold();
        if (f == null || last == null || ((TopKIr) last).isSketch()) {
            return mergedResult(last);
        }
        TopKIr tail = (TopKIr) last;
        TopKIr fold = (TopKIr) f;
        if (rankedValues == null) {
            rank(fold);
        }
        int m = tail.exactSize();
        long[] before = new long[m];
        String[] items = new String[m]; // the tail's values, made once (it holds them as chars)
        int added = 0;
        for (int i = 0; i < m; i++) {
            items[i] = tail.exactItem(i);
            before[i] = fold.reportedCount(items[i]);
            if (before[i] == 0) {
                added++;
            }
        }
        if (rankedValues.length + added > capacity) {
            return mergedResult(last);
        }
        ValueCount[] changed = new ValueCount[m];
        for (int i = 0; i < m; i++) {
            changed[i] = new ValueCount(items[i], (before[i] == 0 ? offset : before[i]) + tail.exactCount(i));
        }
        Arrays.sort(changed, TopKIr.order());
        int k = tail.k();
        List<ValueCount> top = new ArrayList<>(k);
        int a = 0;
        int b = 0;
        while (top.size() < k && (a < rankedValues.length || b < m)) {
            while (a < rankedValues.length && tail.reportedCount(rankedValues[a]) > 0) {
                a++; // its count changed: it is among the last IR's values
            }
            ValueCount fromFold = a < rankedValues.length ? new ValueCount(rankedValues[a], rankedCounts[a]) : null;
            if (fromFold == null && b == m) {
                break;
            }
            if (b < m && (fromFold == null || TopKIr.order().compare(changed[b], fromFold) < 0)) {
                top.add(changed[b++]);
            } else {
                top.add(fromFold);
                a++;
            }
        }
        return List.copyOf(top);
    }

    /** Ranks the fold's values with the counts the merge target would report after merging it. */
    private void rank(TopKIr fold) {
        List<ValueCount> rows = new ArrayList<>();
        ItemsSketch<String> sketch = fold.sketch();
        if (sketch == null) {
            for (int i = 0; i < fold.exactSize(); i++) {
                rows.add(new ValueCount(fold.exactItem(i), fold.exactCount(i)));
            }
            offset = 0;
            capacity = TopKIr.MERGE_EXACT_LIMIT;
        } else {
            for (ItemsSketch.Row<String> row : sketch.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES)) {
                rows.add(new ValueCount(row.getItem(), row.getEstimate()));
            }
            offset = sketch.getMaximumError();
            capacity = sketch.getMaximumMapCapacity();
            if (rows.size() != sketch.getNumActiveItems()) { // every active value is reported: the library changed
                capacity = -1;
            }
        }
        rows.sort(TopKIr.order());
        rankedValues = new String[rows.size()];
        rankedCounts = new long[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            rankedValues[i] = rows.get(i).value();
            rankedCounts[i] = rows.get(i).count();
        }
    }
}

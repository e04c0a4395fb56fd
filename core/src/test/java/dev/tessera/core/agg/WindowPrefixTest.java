package dev.tessera.core.agg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.Aggregation;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;
import org.junit.jupiter.api.Test;

/**
 * Every {@link WindowPrefix} answers exactly what the full merge answers ({@code equals}: doubles
 * bit for bit), for windows of random tiles — empty slots, one IR, exact forms, sketches — built as
 * a ring builds them: each tile is read as the last one while it grows (the same object receiving
 * values between reads), then appended. Each try labels which way its reads went, and every way
 * must occur over the seeds: the sketches' shortcuts and their fall-backs to the generic read.
 */
class WindowPrefixTest {
    private static final int TRIES = 400;

    /** The contract's definition: no IR, one IR's result, or the left fold into a fresh merge target. */
    static Object fullMerge(Aggregator agg, List<Ir> window) {
        Ir single = null;
        Ir merged = null;
        for (Ir ir : window) {
            if (ir == null) {
                continue;
            }
            if (single == null) {
                single = ir;
            } else {
                if (merged == null) {
                    merged = agg.newMergeTarget();
                    merged.merge(single);
                }
                merged.merge(ir);
            }
        }
        return merged != null ? merged.result() : single != null ? single.result() : agg.emptyResult();
    }

    @Test
    void approxDistinct() {
        Tries.Labels labels = new Tries.Labels("approx_distinct reads");
        Aggregator agg = Aggregators.create(Aggregation.APPROX_DISTINCT);
        Tries.run(90_000_000, TRIES, (rnd, edge) -> check(agg, rnd, () -> "v" + rnd.nextInt(rnd.nextBoolean() ? 60 : 3_000),
                (fold, last) -> labels.collect(distinctLabel(fold, last))));
        labels.assertEachOccurred("fold exact, union exact", "fold exact, union past 128", "fold estimating, last exact",
                "last estimating");
    }

    private static String distinctLabel(Ir fold, Ir last) {
        DistinctIr f = (DistinctIr) fold;
        DistinctIr l = (DistinctIr) last;
        if (l.isEstimating()) {
            return "last estimating";
        }
        if (f.isEstimating()) {
            return "fold estimating, last exact";
        }
        DistinctIr union = new DistinctIr();
        union.merge(f);
        union.merge(l);
        return union.isEstimating() ? "fold exact, union past 128" : "fold exact, union exact";
    }

    @Test
    void approxPercentile() {
        Tries.Labels labels = new Tries.Labels("approx_percentile reads");
        for (double p : new double[] {0.0005, 0.01, 0.5, 0.95, 0.9995}) {
            Aggregator agg = Aggregators.create(Aggregation.APPROX_PERCENTILE, 0, p);
            Tries.run(91_000_000 + (long) (p * 10_000) * 1000, TRIES, (rnd, edge) -> {
                int domain = rnd.nextBoolean() ? 50 : 1_000_000;
                boolean zeros = rnd.nextInt(8) == 0;
                check(agg, rnd, () -> zeros && rnd.nextInt(4) == 0 ? (rnd.nextBoolean() ? 0.0 : -0.0)
                        : (Object) (rnd.nextInt(domain) / 4.0 - 1_000), (fold, last) -> labels.collect(percentileLabel(fold, last)));
            });
        }
        labels.assertEachOccurred("fold exact, 300 or fewer", "fold exact, past 300", "fold sketch, no compaction",
                "fold sketch, compaction", "last sketch");
    }

    private static String percentileLabel(Ir fold, Ir last) {
        PercentileIr f = (PercentileIr) fold;
        PercentileIr l = (PercentileIr) last;
        if (l.isSketch()) {
            return "last sketch";
        }
        if (!f.isSketch()) {
            return f.bufferSize() + l.bufferSize() <= PercentileIr.SMALL_LIMIT ? "fold exact, 300 or fewer" : "fold exact, past 300";
        }
        return l.bufferSize() <= PercentilePrefix.freeSlots(f.sketch()) ? "fold sketch, no compaction" : "fold sketch, compaction";
    }

    @Test
    void topK() {
        Tries.Labels labels = new Tries.Labels("top_k reads");
        Tries.run(92_000_000, TRIES, (rnd, edge) -> {
            int k = 1 + rnd.nextInt(rnd.nextBoolean() ? 5 : 30);
            Aggregator agg = Aggregators.create(Aggregation.TOP_K, k, 0);
            int domain = List.of(20, 150, 400, 5_000).get(rnd.nextInt(4));
            check(agg, rnd, () -> "v" + (int) Math.floor(Math.pow(rnd.nextDouble(), 2) * domain),
                    (fold, last) -> labels.collect(topKLabel(fold, last)));
        });
        labels.assertEachOccurred("fold exact, last exact", "fold sketch, last exact", "last sketch");
    }

    private static String topKLabel(Ir fold, Ir last) {
        if (((TopKIr) last).isSketch()) {
            return "last sketch";
        }
        return ((TopKIr) fold).isSketch() ? "fold sketch, last exact" : "fold exact, last exact";
    }

    @Test
    void theGenericPrefixForEveryOtherAggregation() {
        for (Aggregation kind : List.of(Aggregation.COUNT, Aggregation.SUM, Aggregation.AVG, Aggregation.MIN,
                Aggregation.MAX, Aggregation.FIRST, Aggregation.LAST, Aggregation.LAST_K)) {
            Aggregator agg = Aggregators.create(kind, 3, 0);
            Tries.run(93_000_000 + kind.ordinal() * 10_000L, 100, (rnd, edge) -> check(agg, rnd,
                    () -> rnd.nextBoolean() ? (Object) (long) rnd.nextInt(1_000) : (Object) (rnd.nextInt(100_000) / 7.0), (f, l) -> { }));
        }
    }

    /** An IR with {@code n} values added (times and ids distinct so that last and last_k have no ties). */
    private static Ir ir(Aggregator agg, Random rnd, java.util.function.Supplier<Object> value, int n, long[] clock) {
        Ir ir = agg.newIr();
        for (int i = 0; i < n; i++) {
            clock[0]++;
            ir.add(value.get(), clock[0], "e" + clock[0]);
        }
        return ir;
    }

    /**
     * A window as a ring makes it: tile after tile, each read first as the last tile while it grows
     * (zero or more reads, values added between them), then appended to the prefix.
     */
    private static void check(Aggregator agg, Random rnd, java.util.function.Supplier<Object> value,
                              java.util.function.BiConsumer<Ir, Ir> label) {
        long[] clock = {0};
        int tiles = 1 + rnd.nextInt(12);
        int perTile = List.of(3, 20, 80, 400).get(rnd.nextInt(4));
        List<Ir> window = new ArrayList<>();
        WindowPrefix prefix = agg.newWindowPrefix();
        for (int t = 0; t < tiles; t++) {
            Ir last = rnd.nextInt(5) == 0 ? null : ir(agg, rnd, value, 1 + rnd.nextInt(perTile), clock);
            int reads = rnd.nextInt(3) == 0 || t == tiles - 1 ? 1 + rnd.nextInt(4) : 0;
            for (int read = 0; read < reads; read++) {
                List<Ir> all = new ArrayList<>(window);
                all.add(last);
                Object expected = fullMerge(agg, all);
                Object actual = prefix.resultWith(last);
                assertThat(actual).as("%s, %d tiles, read %d", agg, window.size(), read).isEqualTo(expected);
                if (last != null && window.stream().anyMatch(x -> x != null)) {
                    label.accept(foldOf(agg, window), last);
                }
                if (last != null) { // the newest tile receives events between reads
                    int more = rnd.nextInt(3) == 0 ? rnd.nextInt(perTile + 1) : rnd.nextInt(3);
                    for (int i = 0; i < more; i++) {
                        clock[0]++;
                        last.add(value.get(), clock[0], "e" + clock[0]);
                    }
                }
            }
            window.add(last);
            prefix.append(last);
        }
    }

    private static Ir foldOf(Aggregator agg, List<Ir> window) {
        Ir fold = agg.newMergeTarget();
        window.stream().filter(x -> x != null).forEach(fold::merge);
        return fold;
    }

    /**
     * Windows that slide: tiles join at the end (each read as the last tile while it grows) and leave
     * at the start, as a ring's window moves. When the prefix drops the IRs that left
     * ({@link WindowPrefix#dropOldest}), every later read must still equal the full merge of the
     * window; when it refuses, a new prefix of the remaining tiles is made, as WindowPrefixes does.
     * Labels check that every kind really slid, and that the exact sketches also gave up where their
     * exact forms end (an IR that is a sketch, a window past the merge target's exact limit).
     */
    @Test
    void slidingWindowsEqualTheFullMergeOfWhatIsLeft() {
        Tries.Labels labels = new Tries.Labels("slides");
        List<Aggregation> kinds = List.of(Aggregation.values());
        Tries.run(94_000_000, 1_200, (rnd, edge) -> {
            Aggregation kind = kinds.get(rnd.nextInt(kinds.size()));
            int k = 1 + rnd.nextInt(kind == Aggregation.TOP_K ? 30 : 8);
            double p = List.of(0.01, 0.5, 0.95, 0.9995).get(rnd.nextInt(4));
            Aggregator agg = Aggregators.create(kind, kind.takesK() ? k : 0, kind.takesP() ? p : 0);
            int domain = List.of(3, 60, 400, 5_000).get(rnd.nextInt(4));
            boolean doubles = rnd.nextBoolean();
            java.util.function.Supplier<Object> value = switch (kind) {
                case APPROX_DISTINCT, TOP_K -> () -> "v" + (int) Math.floor(Math.pow(rnd.nextDouble(), 2) * domain);
                case COUNT -> () -> Boolean.TRUE;
                default -> () -> doubles && rnd.nextBoolean() ? (Object) (rnd.nextInt(domain) / 8.0 - domain / 16.0)
                        : (Object) (long) (rnd.nextInt(domain) - domain / 2);
            };
            slide(agg, rnd, value, kind.yamlName(), labels);
        });
        labels.assertEachOccurred("count slid", "sum slid", "avg slid", "min slid", "max slid", "first slid", "last slid",
                "last_k slid", "approx_distinct slid", "approx_distinct gave up", "approx_percentile slid",
                "approx_percentile gave up", "top_k slid", "top_k gave up", "sum read", "approx_distinct read",
                "approx_distinct read from coupons", "approx_percentile read exactly past 300 values",
                "top_k read exactly past 192 values", "approx_distinct slid under the same last tile");
    }

    /**
     * top_k's list compares {@link TopKSlidingPrefix#sortKey}s of the values before the strings: values
     * sharing their first seven chars (equal keys), prefixes of each other, and chars at and past 255
     * (where a key stops) must still rank as {@link String#compareTo} ranks them.
     */
    @Test
    void topKSlidesOverValuesWhoseKeysTie() {
        Tries.Labels labels = new Tries.Labels("top_k keys");
        String[] stems = {"merchant-", "m", "", "\u00ff", "\u0100", "\u00fe\u0101", "\uD83D\uDE00", "a\u0000"};
        Tries.run(94_100_000, 400, (rnd, edge) -> {
            Aggregator agg = Aggregators.create(Aggregation.TOP_K, 1 + rnd.nextInt(12), 0);
            int domain = List.of(5, 60, 400).get(rnd.nextInt(3));
            java.util.function.Supplier<Object> value = () -> stems[rnd.nextInt(stems.length)]
                    + (rnd.nextBoolean() ? "" : Integer.toString((int) Math.floor(Math.pow(rnd.nextDouble(), 2) * domain)));
            slide(agg, rnd, value, "top_k", labels);
        });
        labels.assertEachOccurred("top_k slid", "top_k read");
    }

    @Test
    void topKSortKeysOrderAsStrings() {
        char[] alphabet = {'\u0000', 'a', 'b', 'z', '\u00fe', '\u00ff', '\u0100', '\u0101', '\uD83D', '\uDE00'};
        Random rnd = new Random(11);
        String[] pool = new String[2_000];
        for (int i = 0; i < pool.length; i++) {
            StringBuilder b = new StringBuilder();
            for (int n = rnd.nextInt(10); n > 0; n--) {
                b.append(alphabet[rnd.nextInt(alphabet.length)]);
            }
            pool[i] = b.toString();
        }
        int resolved = 0;
        for (int i = 0; i < 400_000; i++) {
            String a = pool[rnd.nextInt(pool.length)];
            String b = rnd.nextInt(4) == 0 ? new String(a) : pool[rnd.nextInt(pool.length)];
            long ka = TopKSlidingPrefix.sortKey(a);
            long kb = TopKSlidingPrefix.sortKey(b);
            if (ka != kb) {
                resolved++;
                assertThat(Integer.signum(Long.compare(ka, kb))).as("%s vs %s", a, b).isEqualTo(Integer.signum(a.compareTo(b)));
            } else if (a.length() <= 7 && a.chars().allMatch(c -> c < 255) && b.length() <= 7 && b.chars().allMatch(c -> c < 255)) {
                assertThat(a).isEqualTo(b); // short Latin-1 values tie only when equal
            }
        }
        assertThat(resolved).isGreaterThan(200_000);
    }

    /** Which state a sliding prefix answered from: for the sketches, whether the window was past the stored exact forms. */
    private static String slidingLabel(String name, Ir fold) {
        if (fold instanceof DistinctIr d && d.isEstimating()) {
            return name + " read from coupons";
        }
        if (fold instanceof PercentileIr q && q.count() > PercentileIr.SMALL_LIMIT) {
            return name + " read exactly past 300 values";
        }
        if (fold instanceof TopKIr t && t.exactSize() > 192) {
            return name + " read exactly past 192 values";
        }
        return name + " read";
    }

    private static void slide(Aggregator agg, Random rnd, java.util.function.Supplier<Object> value, String name,
                              Tries.Labels labels) {
        long[] clock = {0};
        int perTile = List.of(1, 3, 20, 80, 400).get(rnd.nextInt(5));
        int maxWindow = 1 + rnd.nextInt(24);
        List<Ir> window = new ArrayList<>();
        WindowPrefix prefix = agg.newWindowPrefix();
        int steps = 10 + rnd.nextInt(60);
        for (int step = 0; step < steps; step++) {
            Ir last = rnd.nextInt(5) == 0 ? null : ir(agg, rnd, value, 1 + rnd.nextInt(perTile), clock);
            for (int read = 0; read < 1 + rnd.nextInt(3); read++) {
                if (read > 0 && !window.isEmpty() && rnd.nextInt(3) == 0) {
                    // the window's start passes its oldest tile while the last one stays (a later read, no new tile)
                    window.remove(0);
                    if (prefix.dropOldest(1)) {
                        labels.collect(name + " slid under the same last tile");
                    } else {
                        prefix = agg.newWindowPrefix();
                        window.forEach(prefix::append);
                    }
                }
                List<Ir> all = new ArrayList<>(window);
                all.add(last);
                assertThat(prefix.resultWith(last)).as("%s, step %d, %d tiles, read %d", agg, step, window.size(), read)
                        .isEqualTo(fullMerge(agg, all));
                if (prefix instanceof SlidingPrefix sp && !sp.gaveUp() && all.stream().filter(x -> x != null).count() > 1) {
                    labels.collect(slidingLabel(name, foldOf(agg, all)));
                }
                if (last != null) {
                    for (int i = rnd.nextInt(3); i > 0; i--) {
                        clock[0]++;
                        last.add(value.get(), clock[0], "e" + clock[0]);
                    }
                }
            }
            window.add(last);
            prefix.append(last);
            int drop = window.size() > maxWindow ? window.size() - maxWindow : rnd.nextInt(6) == 0 ? 1 + rnd.nextInt(3) : 0;
            drop = Math.min(drop, window.size());
            if (drop > 0) {
                window.subList(0, drop).clear();
                if (prefix.dropOldest(drop)) {
                    labels.collect(name + " slid");
                } else {
                    labels.collect(name + " gave up");
                    prefix = agg.newWindowPrefix();
                    window.forEach(prefix::append);
                }
            }
        }
    }

    /** approx_distinct's fold holds the last IR's hashes: any other window change must make a new prefix. */
    @Test
    void aDistinctPrefixRefusesAWindowThatChangedOtherwise() {
        Aggregator agg = Aggregators.create(Aggregation.APPROX_DISTINCT);
        long[] clock = {0};
        Random rnd = new Random(1);
        java.util.function.Supplier<Object> value = () -> "v" + rnd.nextInt(1_000_000);
        WindowPrefix prefix = agg.newWindowPrefix();
        Ir first = ir(agg, rnd, value, 300, clock); // estimating
        prefix.append(first);
        Ir last = ir(agg, rnd, value, 5, clock);
        prefix.resultWith(last);
        Ir other = ir(agg, rnd, value, 5, clock);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> prefix.resultWith(other))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("another last IR");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> prefix.append(other))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not the last IR");
        prefix.append(last); // what a ring does: the last tile joins the prefix
        assertThat(prefix.resultWith(other)).isEqualTo(fullMerge(agg, List.of(first, last, other)));
    }

    @Test
    void hllCouponsAndTheirEstimateAreTheLibrarys() {
        assertThat(DistinctSlidingPrefix.couponEstimateAvailable()).as("DataSketches' coupon mapping found (upgrade?)").isTrue();
        Random rnd = new Random(11);
        for (int i = 0; i < 100_000; i++) {
            long h = i < 3 ? new long[] {0, -1, Long.MIN_VALUE}[i] : rnd.nextLong();
            assertThat(DistinctSlidingPrefix.coupon(h)).as("hash %d", h).isEqualTo(DistinctSlidingPrefix.librarysCoupon(h));
        }
    }

    @Test
    void kllFreeSlotsAreReadAndACopyHasTheSame() {
        assertThat(PercentilePrefix.available()).as("KllSketch.levelsArr found (DataSketches upgrade?)").isTrue();
        Random rnd = new Random(5);
        for (int n = 1; n < 5_000; n += 1 + rnd.nextInt(97)) {
            KllDoublesSketch s = KllDoublesSketch.newHeapInstance(PercentileIr.K);
            for (int i = 0; i < n; i++) {
                s.update(rnd.nextGaussian());
            }
            int free = PercentilePrefix.freeSlots(s);
            KllDoublesSketch copy = KllDoublesSketch.heapify(Memory.wrap(s.toByteArray()));
            assertThat(PercentilePrefix.freeSlots(copy)).as("n=%d", n).isEqualTo(free);
            int retained = copy.getNumRetained();
            for (int i = 0; i < free; i++) {
                copy.update(rnd.nextGaussian());
            }
            assertThat(copy.getNumRetained()).as("n=%d: %d updates compact nothing", n, free).isEqualTo(retained + free);
            copy.update(rnd.nextGaussian());
            assertThat(copy.getNumRetained()).as("n=%d: the next one compacts", n).isLessThan(retained + free + 1);
        }
    }
}

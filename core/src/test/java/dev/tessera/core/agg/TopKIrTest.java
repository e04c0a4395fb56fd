package dev.tessera.core.agg;

import static dev.tessera.api.Aggregation.TOP_K;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.apache.datasketches.common.ArrayOfStringsSerDe;
import org.apache.datasketches.frequencies.ErrorType;
import org.apache.datasketches.frequencies.ItemsSketch;
import org.junit.jupiter.api.Test;

/**
 * top_k's exact form against what the IR did before it: feed every add straight to a DataSketches
 * {@link ItemsSketch} of the same map size. While no sketch has purged, the exact form and the
 * switch to the sketch must give the same result and the same bytes; for k ≤ 64 (map size ≤ 1024,
 * so a purge samples every counter) the states stay equal after purges too. Seeded tries: see
 * {@link Tries}.
 */
class TopKIrTest {
    private static final Comparator<ValueCount> ORDER =
            Comparator.comparingLong(ValueCount::count).reversed().thenComparing(ValueCount::value);

    private static Aggregator agg(int k) {
        return Aggregators.create(TOP_K, k, 0);
    }

    private static TopKIr ir(int k, List<Object> values) {
        TopKIr ir = (TopKIr) agg(k).newIr();
        values.forEach(v -> ir.add(v, 0, null));
        return ir;
    }

    /** The IR before the exact form: every add to the sketch. */
    private static ItemsSketch<String> reference(int k, List<Object> values) {
        ItemsSketch<String> s = new ItemsSketch<>(TopKIr.maxMapSize(k));
        values.forEach(v -> s.update(TopKIr.canonicalString(v)));
        return s;
    }

    private static List<ValueCount> resultOf(int k, ItemsSketch<String> s) {
        List<ValueCount> rows = new ArrayList<>();
        for (ItemsSketch.Row<String> row : s.getFrequentItems(ErrorType.NO_FALSE_NEGATIVES)) {
            rows.add(new ValueCount(row.getItem(), row.getEstimate()));
        }
        rows.sort(ORDER);
        return List.copyOf(rows.subList(0, Math.min(k, rows.size())));
    }

    private static byte[] imageOf(ItemsSketch<String> s) {
        return new ByteWriter().writeByte(TopKIr.VERSION).writeBytes(s.toByteArray(new ArrayOfStringsSerDe())).toByteArray();
    }

    /** Version 2: the distinct canonical values in first-seen order, each with its count. */
    private static byte[] exactImageOf(List<Object> values) {
        java.util.LinkedHashMap<String, Long> counts = new java.util.LinkedHashMap<>();
        values.forEach(v -> counts.merge(TopKIr.canonicalString(v), 1L, Long::sum));
        ByteWriter out = new ByteWriter().writeByte(TopKIr.EXACT_VERSION).writeUnsignedVarLong(counts.size());
        counts.forEach((v, c) -> out.writeString(v).writeUnsignedVarLong(c));
        return out.toByteArray();
    }

    /** A stream of {@code n} values over about {@code distinct} distinct ones, skewed, of every canonical type. */
    private static List<Object> stream(Random rnd, int n, int distinct) {
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int v = (int) Math.floor(Math.pow(rnd.nextDouble(), 2) * Math.max(1, distinct));
            switch (v % 4) {
                case 0 -> out.add((long) v);
                case 1 -> out.add("s" + v);
                case 2 -> out.add(v + 0.5);
                default -> out.add(v % 8 == 3);
            }
        }
        return out;
    }

    @Test
    void exactFormGivesTheSketchsResultAndItsOwnBytes() {
        Tries.run(43_000_000, 2000, (rnd, edgeCaseTry) -> {
            int k = 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 100);
            int distinct = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(300) : 1 + rnd.nextInt(2 * TopKIr.EXACT_LIMIT);
            List<Object> values = stream(rnd, rnd.nextInt(400), distinct);
            TopKIr ir = ir(k, values);
            ItemsSketch<String> ref = reference(k, values);
            long distinctSeen = values.stream().map(TopKIr::canonicalString).distinct().count();
            assertThat(ir.isSketch()).isEqualTo(distinctSeen > TopKIr.EXACT_LIMIT);
            assertThat(ir.isEmpty()).isEqualTo(values.isEmpty());
            assertThat(ir.result()).isEqualTo(resultOf(k, ref));
            if (ref.getMaximumError() == 0) {
                assertThat(ir.maximumError()).isZero();
                if (ir.isSketch()) {
                    assertThat(IrPipeline.encode(ir)).as("bytes of %s", ir).isEqualTo(imageOf(ref));
                } else {
                    assertThat(IrPipeline.encode(ir)).as("bytes of %s", ir).isEqualTo(exactImageOf(values));
                }
            }
        });
    }

    @Test
    void singleStreamsMatchTheSketchAfterPurgesToo() {
        Tries.Labels purges = new Tries.Labels("top_k reference sketch");
        Tries.run(44_000_000, 300, (rnd, edgeCaseTry) -> {
            int k = 1 + rnd.nextInt(64);
            List<Object> values = stream(rnd, 3_000 + rnd.nextInt(5_000), 200 + rnd.nextInt(20 * TopKIr.maxMapSize(k)));
            TopKIr ir = ir(k, values);
            ItemsSketch<String> ref = reference(k, values);
            assertThat(ir.isSketch()).isTrue();
            purges.collect(ref.getMaximumError() > 0 ? "purged" : "not purged");
            assertThat(ir.maximumError()).isEqualTo(ref.getMaximumError());
            assertThat(ir.result()).isEqualTo(resultOf(k, ref));
        });
        purges.assertEachOccurred("purged", "not purged");
    }

    @Test
    void addMovesToTheSketchPastTheLimit() {
        TopKIr ir = ir(3, List.of());
        assertThat(ir.result()).isEqualTo(List.of());
        for (long i = 0; i < TopKIr.EXACT_LIMIT; i++) {
            ir.add(i, 0, null);
            ir.add(i, 0, null);
            ir.add(0L, 0, null); // repeats never count towards the limit
        }
        assertThat(ir.isSketch()).isFalse();
        assertThat(ir.result()).isEqualTo(List.of(new ValueCount("0", 34), new ValueCount("1", 2), new ValueCount("10", 2)));
        ir.add("new", 0, null);
        assertThat(ir.isSketch()).isTrue();
        assertThat(ir.result()).isEqualTo(List.of(new ValueCount("0", 34), new ValueCount("1", 2), new ValueCount("10", 2)));
        assertThat(ir.maximumError()).isZero();
    }

    @Test
    void everyMergeOfModesCountsEveryValue() {
        // distinct values on each side: none, few, exactly the limit, past it, past the first purge (192 at k 3)
        int[] sizes = {0, 1, 5, TopKIr.EXACT_LIMIT, TopKIr.EXACT_LIMIT + 1, 150, 400};
        for (int a : sizes) {
            for (int b : sizes) {
                List<Object> x = new ArrayList<>();
                List<Object> y = new ArrayList<>();
                for (int i = 0; i < a; i++) {
                    x.add("a" + i);
                    x.add("shared" + (i % 7));
                }
                for (int i = 0; i < b; i++) {
                    y.add((long) i);
                    y.add("shared" + (i % 5));
                }
                List<Object> all = new ArrayList<>(x);
                all.addAll(y);
                TopKIr left = ir(3, x);
                TopKIr right = ir(3, y);
                Object rightBefore = right.result();
                left.merge(right);
                String what = a + " + " + b;
                assertThat(right.result()).as("%s: the merged-in IR is unchanged", what).isEqualTo(rightBefore);
                assertThat(left.isEmpty()).as(what).isEqualTo(all.isEmpty());
                long distinct = all.stream().distinct().count();
                assertThat(left.isSketch()).as(what).isEqualTo(distinct > TopKIr.EXACT_LIMIT
                        || x.stream().distinct().count() > TopKIr.EXACT_LIMIT || y.stream().distinct().count() > TopKIr.EXACT_LIMIT);
                ItemsSketch<String> ref = reference(3, x);
                ref.merge(reference(3, y));
                if (ref.getMaximumError() == 0) {
                    assertThat(left.result()).as(what).isEqualTo(resultOf(3, ref));
                    assertThat(left.maximumError()).as(what).isZero();
                } else { // purged: the sketch's guarantee against the true counts
                    assertWithinSketchBound(left, all);
                }
                Ir decoded = IrPipeline.roundTrip(agg(3), left);
                assertThat(decoded.result()).as("%s decoded", what).isEqualTo(left.result());
            }
        }
    }

    private static void assertWithinSketchBound(TopKIr ir, List<Object> all) {
        @SuppressWarnings("unchecked")
        List<ValueCount> top = (List<ValueCount>) ir.result();
        for (ValueCount row : top) {
            long truth = all.stream().filter(v -> TopKIr.canonicalString(v).equals(row.value())).count();
            assertThat(row.count()).isBetween(truth, truth + ir.maximumError());
        }
    }

    @Test
    void mergeWithItselfDoublesEveryCount() {
        for (int distinct : new int[] {1, 10, TopKIr.EXACT_LIMIT, 100}) {
            List<Object> values = new ArrayList<>();
            for (int i = 0; i < distinct; i++) {
                for (int j = 0; j <= i % 3; j++) {
                    values.add("v" + i);
                }
            }
            TopKIr ir = ir(5, values);
            ir.merge(ir);
            List<Object> twice = new ArrayList<>(values);
            twice.addAll(values);
            assertThat(ir.result()).as("%s distinct", distinct).isEqualTo(resultOf(5, reference(5, twice)));
        }
    }

    @Test
    void copiesOfBothModesAreIndependent() {
        for (int distinct : new int[] {3, 100}) {
            List<Object> values = new ArrayList<>();
            for (int i = 0; i < distinct; i++) {
                values.add((long) i);
            }
            TopKIr ir = ir(2, values);
            Object before = ir.result();
            Ir copy = ir.copy();
            for (int i = 0; i < 50; i++) {
                copy.add("other" + i, 0, null);
                copy.add(0L, 0, null);
            }
            copy.merge(ir(2, values));
            assertThat(ir.result()).isEqualTo(before);
        }
    }

    @Test
    void oldImagesDecodeIntoTheExactFormWhenUnpurgedAndSmall() {
        Tries.run(45_000_000, 500, (rnd, edgeCaseTry) -> {
            int k = 1 + rnd.nextInt(100);
            List<Object> values = stream(rnd, 1 + rnd.nextInt(600), 1 + rnd.nextInt(rnd.nextBoolean() ? 40 : 400));
            ItemsSketch<String> old = reference(k, values);
            byte[] bytes = imageOf(old);
            ByteReader in = new ByteReader(bytes);
            TopKIr decoded = (TopKIr) agg(k).decode(in);
            assertThat(in.remaining()).isZero();
            boolean small = old.getMaximumError() == 0 && old.getNumActiveItems() <= TopKIr.EXACT_LIMIT;
            assertThat(decoded.isSketch()).isEqualTo(!small);
            assertThat(decoded.result()).isEqualTo(resultOf(k, old));
            assertThat(decoded.maximumError()).isEqualTo(old.getMaximumError());
            // and it goes on counting like the old sketch
            List<Object> more = stream(rnd, rnd.nextInt(100), 50);
            more.forEach(v -> {
                decoded.add(v, 0, null);
                old.update(TopKIr.canonicalString(v));
            });
            if (old.getMaximumError() == 0) {
                assertThat(decoded.result()).isEqualTo(resultOf(k, old));
            }
        });
    }

    @Test
    void aReadsMergeTargetAnswersAsTheSketchWouldAndStoresAsAStoredIr() {
        Tries.run(46_000_000, 500, (rnd, edgeCaseTry) -> {
            int k = 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 100);
            int distinct = 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 400 : 150);
            List<Object> all = new ArrayList<>();
            Ir target = agg(k).newMergeTarget();
            Ir plain = agg(k).newIr();
            for (int t = 0, tiles = 1 + rnd.nextInt(40); t < tiles; t++) {
                List<Object> tile = stream(rnd, rnd.nextInt(60), distinct);
                all.addAll(tile);
                TopKIr ir = ir(k, tile);
                target.merge(ir);
                plain.merge(ir);
            }
            assertThat(target.result()).as("merge target").isEqualTo(resultOf(k, reference(k, all)));
            assertThat(target.result()).isEqualTo(plain.result());
            Ir copy = target.copy();
            copy.merge(ir(k, stream(rnd, 50, distinct)));
            Ir decoded = agg(k).decode(new dev.tessera.core.codec.ByteReader(IrPipeline.encode(target)));
            assertThat(decoded.result()).as("a merge target written and read back").isEqualTo(target.result());
        });
    }

    @Test
    void stringsAreWrittenInTheLibrarysByteFormat() {
        // the library's own serde is the oracle: ASCII (the fast path), empty, Latin-1, other BMP and supplementary characters
        ArrayOfStringsSerDe library = new ArrayOfStringsSerDe();
        TopKIr.BoundedStringSerDe ours = new TopKIr.BoundedStringSerDe();
        Random rnd = new Random(11);
        String[] alphabet = {"a", "Z", "0", "-", "\u007f", "\u00e9", "\u00ff", "\u20ac", "\ud83d\ude00", ""};
        for (int round = 0; round < 500; round++) {
            String[] items = new String[rnd.nextInt(40)];
            boolean asciiOnly = round % 2 == 0;
            for (int i = 0; i < items.length; i++) {
                StringBuilder b = new StringBuilder();
                for (int c = rnd.nextInt(20); c > 0; c--) {
                    b.append(alphabet[rnd.nextInt(asciiOnly ? 5 : alphabet.length)]);
                }
                items[i] = b.toString();
            }
            assertThat(ours.serializeToByteArray(items)).as("items %s", List.of(items)).isEqualTo(library.serializeToByteArray(items));
            assertThat(ours.deserializeFromMemory(org.apache.datasketches.memory.Memory.wrap(ours.serializeToByteArray(items)), 0,
                    items.length)).containsExactly(items);
        }
        ItemsSketch<String> sketch = new ItemsSketch<>(256);
        for (int i = 0; i < 5000; i++) {
            sketch.update("m-" + rnd.nextInt(2000));
        }
        assertThat(sketch.toByteArray(ours)).as("a purged sketch's image").isEqualTo(sketch.toByteArray(library));
    }
}

package dev.tessera.core.agg;

import dev.tessera.api.Aggregation;
import java.lang.ref.Reference;
import java.util.List;
import java.util.Locale;

/**
 * Live heap per IR for every aggregator holding 0, 1 and 10 values. Not a test (STYLE.md: no timed
 * or machine-dependent assertions in tests): a tool to run when an IR's state changes.
 *
 * <p>Method, rough but honest: the values are boxed up front and stay reachable throughout, so they
 * are not counted (min and max also keep their value objects alive — 16 bytes per Long, 24 per
 * Double, more per String — which would otherwise be garbage; first, last, last_k and top_k copy
 * their values' and ids' chars and are counted with them; percentile, sum, avg and count keep none;
 * approx_distinct keeps hashes). Then, for {@value #IRS} IRs: the least used heap over
 * eight full GCs, {@code Runtime.totalMemory() - freeMemory()}, create the IRs and add the values, full GCs
 * again, and the difference divided by the number of IRs. Repeated {@value #ROUNDS} times; the
 * median is printed. With compressed oops (the default below 32 GiB of heap).
 *
 * <p>Run from the repository root:
 * <pre>
 * mvn -B -ntp -q test-compile -pl core -am
 * mvn -B -ntp -q dependency:build-classpath -pl core -Dmdep.outputFile=/tmp/cp.txt
 * java -Xmx2g -XX:+UseSerialGC -cp core/target/classes:core/target/test-classes:$(cat /tmp/cp.txt) \
 *     dev.tessera.core.agg.IrFootprintMain
 * </pre>
 */
final class IrFootprintMain {
    private static final int IRS = 100_000;
    private static final int ROUNDS = 3;
    private static final int[] SIZES = {0, 1, 10};

    private record Case(String name, Aggregator agg) {}

    private IrFootprintMain() {
    }

    public static void main(String[] args) {
        List<Case> cases = List.of(
                new Case("count", Aggregators.create(Aggregation.COUNT)),
                new Case("sum", Aggregators.create(Aggregation.SUM)),
                new Case("avg", Aggregators.create(Aggregation.AVG)),
                new Case("min", Aggregators.create(Aggregation.MIN)),
                new Case("max", Aggregators.create(Aggregation.MAX)),
                new Case("first", Aggregators.create(Aggregation.FIRST)),
                new Case("last", Aggregators.create(Aggregation.LAST)),
                new Case("last_k(k=10)", Aggregators.create(Aggregation.LAST_K, 10, 0)),
                new Case("last_k(k=100)", Aggregators.create(Aggregation.LAST_K, 100, 0)),
                new Case("approx_distinct", Aggregators.create(Aggregation.APPROX_DISTINCT)),
                new Case("approx_percentile", Aggregators.create(Aggregation.APPROX_PERCENTILE, 0, 0.5)),
                new Case("top_k(k=10)", Aggregators.create(Aggregation.TOP_K, 10, 0)),
                new Case("top_k(k=100)", Aggregators.create(Aggregation.TOP_K, 100, 0)));
        System.out.printf(Locale.ROOT, "%-20s %10s %10s %10s   (bytes of live heap per IR, median of %d rounds of %,d IRs)%n",
                "IR", "0 values", "1 value", "10 values", ROUNDS, IRS);
        for (Case c : cases) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-20s", c.name()));
            for (int size : SIZES) {
                long[] rounds = new long[ROUNDS];
                for (int r = 0; r < ROUNDS; r++) {
                    rounds[r] = bytesPerIr(c.agg(), size);
                }
                java.util.Arrays.sort(rounds);
                row.append(String.format(Locale.ROOT, " %10d", rounds[ROUNDS / 2]));
            }
            System.out.println(row);
        }
    }

    /** Live bytes per IR holding {@code size} values (Longs, distinct within the IR, as a field would carry). */
    static long bytesPerIr(Aggregator agg, int size) {
        Object[][] values = new Object[IRS][size];
        for (int i = 0; i < IRS; i++) {
            for (int j = 0; j < size; j++) {
                values[i][j] = (long) i * 1_000 + j * 37L + 1_000_000_007L;
            }
        }
        long before = settledUsedHeap();
        Ir[] irs = new Ir[IRS];
        for (int i = 0; i < IRS; i++) {
            Ir ir = agg.newIr();
            Object[] v = values[i];
            for (int j = 0; j < v.length; j++) {
                ir.add(v[j], 1_700_000_000_000L + j, null);
            }
            irs[i] = ir;
        }
        long after = settledUsedHeap();
        Reference.reachabilityFence(irs);
        Reference.reachabilityFence(values);
        return Math.round((after - before - arrayBytes(IRS)) / (double) IRS);
    }

    /** The Ir[] that holds the IRs: header and one compressed reference per slot. */
    private static long arrayBytes(int length) {
        return 16 + 4L * length;
    }

    /**
     * The least used heap over several full GCs: garbage can only add to a reading (a stack slot the
     * interpreter has not cleared yet keeps the last round's IRs alive for a GC or two), live objects
     * cannot disappear, so the minimum is the live heap.
     */
    private static long settledUsedHeap() {
        Runtime rt = Runtime.getRuntime();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 8; i++) {
            System.gc();
            least = Math.min(least, rt.totalMemory() - rt.freeMemory());
        }
        return least;
    }
}

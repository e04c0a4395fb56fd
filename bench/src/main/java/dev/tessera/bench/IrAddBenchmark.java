package dev.tessera.bench;

import dev.tessera.api.Aggregation;
import dev.tessera.core.agg.Aggregator;
import dev.tessera.core.agg.Aggregators;
import dev.tessera.core.agg.Ir;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The aggregation hot path: {@code Ir.add} for count and sum, in adds per second on one thread.
 *
 * <p>Shape: a batch of 1,024 pre-boxed events, each routed to the IR of one of 64 entities (as a
 * runtime routes events to tiles; the routing is an array index here, so it costs next to nothing),
 * so the JIT cannot fold a batch into one update. Baseline: the naive loop a hand-written
 * aggregator would be — a plain {@code long} counter / sum or {@code double} sum per entity over the
 * same boxed values, with no exactness past the long range and no compensation. The gap is the
 * price of exact 128-bit integer sums and Neumaier summation behind the {@link Ir} interface.
 * {@code group*} adds every event to four IRs of different classes (count, sum, max, last), so the
 * {@code add} call site is megamorphic as in an engine evaluating a feature group.
 * Target (SPEC §2 hot path, the task brief): ≥ 20 M adds/s per core for count and sum.
 *
 * <p>Run: {@code mvn -B -ntp -q package -DskipTests && java -jar bench/target/benchmarks.jar IrAddBenchmark}.
 * Results: bench/RESULTS.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IrAddBenchmark {
    private static final int N = 1024;
    private static final int ENTITIES = 64;

    private final Object[] longs = new Object[N];
    private final Object[] doubles = new Object[N];
    private final Object[] mixed = new Object[N];
    private final int[] entity = new int[N];
    private Ir[] counts;
    private Ir[] sums;
    private Ir[] group;
    private final long[] naiveCounts = new long[ENTITIES];
    private final long[] naiveLongSums = new long[ENTITIES];
    private final double[] naiveDoubleSums = new double[ENTITIES];

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < N; i++) {
            longs[i] = rnd.nextLong(-1_000_000_000L, 1_000_000_000L);
            doubles[i] = rnd.nextDouble(-1e6, 1e6);
            mixed[i] = i % 3 == 0 ? doubles[i] : longs[i];
            entity[i] = rnd.nextInt(ENTITIES);
        }
    }

    @Setup(Level.Iteration)
    public void newIrs() {
        counts = irs(Aggregators.create(Aggregation.COUNT), ENTITIES);
        sums = irs(Aggregators.create(Aggregation.SUM), ENTITIES);
        group = new Ir[ENTITIES * 4];
        Aggregator[] features = {Aggregators.create(Aggregation.COUNT), Aggregators.create(Aggregation.SUM),
            Aggregators.create(Aggregation.MAX), Aggregators.create(Aggregation.LAST)};
        for (int i = 0; i < group.length; i++) {
            group[i] = features[i % 4].newIr();
        }
    }

    private static Ir[] irs(Aggregator agg, int n) {
        Ir[] irs = new Ir[n];
        for (int i = 0; i < n; i++) {
            irs[i] = agg.newIr();
        }
        return irs;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void countAdd() {
        add(counts, longs);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void naiveCount() {
        long[] c = naiveCounts;
        Object[] v = longs;
        for (int i = 0; i < N; i++) {
            if (v[i] != null) {
                c[entity[i]]++;
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void sumAddLongs() {
        add(sums, longs);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void naiveSumLongs() {
        long[] s = naiveLongSums;
        Object[] v = longs;
        for (int i = 0; i < N; i++) {
            s[entity[i]] += (Long) v[i];
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void sumAddDoubles() {
        add(sums, doubles);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void naiveSumDoubles() {
        double[] s = naiveDoubleSums;
        Object[] v = doubles;
        for (int i = 0; i < N; i++) {
            s[entity[i]] += (Double) v[i];
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void sumAddMixed() {
        add(sums, mixed);
    }

    /** Four adds per event (count, sum, max, last): the score is adds/s, i.e. four per event. */
    @Benchmark
    @OperationsPerInvocation(4 * N)
    public void groupAddMixed() {
        Ir[] irs = group;
        Object[] v = mixed;
        for (int i = 0; i < N; i++) {
            int base = entity[i] * 4;
            Object value = v[i];
            irs[base].add(value, i, null);
            irs[base + 1].add(value, i, null);
            irs[base + 2].add(value, i, null);
            irs[base + 3].add(value, i, null);
        }
    }

    private void add(Ir[] irs, Object[] values) {
        for (int i = 0; i < N; i++) {
            irs[entity[i]].add(values[i], i, null);
        }
    }
}

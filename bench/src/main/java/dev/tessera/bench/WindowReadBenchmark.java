package dev.tessera.bench;

import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.tile.EntityTiles;
import dev.tessera.core.tile.GroupAggregator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reading every served feature of a 10-feature group (windows 10m to 7d plus a lifetime feature)
 * for one entity, from tiles, at a time just after its last event.
 *
 * <p>Baseline: the naive path — scan the entity's raw events and aggregate each window by brute
 * force (what {@code NaiveOracle} does, written here for speed rather than clarity).
 *
 * <p>{@code eventsPerEntity}: 100 events over ~7 days (a typical account) and 2,016 (one every 5
 * minutes for 7 days: a busy merchant-facing account; every 1h tile of the 7d window is populated).
 *
 * <p>Run: {@code mvn -B -ntp -q package -pl bench -am -DskipTests && java -jar bench/target/benchmarks.jar WindowRead}
 * Target (issue [Core]): all windows of a 10-feature group in 2 microseconds or less.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class WindowReadBenchmark {
    @Param({"100", "2016"})
    int eventsPerEntity;

    GroupAggregator group;
    EntityTiles entity;
    Object[] out;
    ArrayEvent[] events;
    long[] times;
    long t;

    @Setup
    public void setUp() {
        group = GroupAggregator.compile(BenchGroups.tenFeatures(), BenchGroups.LAYOUT);
        times = new long[eventsPerEntity];
        long spacing = 7 * 86_400_000L / eventsPerEntity;
        events = BenchGroups.events(eventsPerEntity, spacing, times, 7);
        entity = group.newEntity();
        for (int i = 0; i < events.length; i++) {
            group.apply(entity, events[i], times[i], "e" + i);
        }
        out = new Object[group.servedNames().size()];
        t = BenchGroups.T0 + 1;
        if (out.length != 10) {
            throw new IllegalStateException("expected 10 served features, got " + group.servedNames());
        }
    }

    @Benchmark
    public Object[] readAllWindows() {
        group.read(entity, t, out);
        return out;
    }

    /** Brute force over raw events: count, filtered count, sums, max and last per window. */
    @Benchmark
    public Object[] baselineScanRawEvents() {
        long[] windows = {600_000L, 3_600_000L, 86_400_000L, 7 * 86_400_000L};
        long[] hops = {10_000L, 300_000L, 3_600_000L, 3_600_000L};
        int o = 0;
        for (int w = 0; w < windows.length; w++) {
            out[o++] = countSince(Math.floorDiv(t - windows[w], hops[w]) * hops[w], false);
        }
        out[o++] = countSince(Math.floorDiv(t - 3_600_000L, 300_000L) * 300_000L, true);
        out[o++] = countSince(Math.floorDiv(t - 86_400_000L, 3_600_000L) * 3_600_000L, true);
        out[o++] = sumSince(Math.floorDiv(t - 3_600_000L, 300_000L) * 300_000L);
        out[o++] = sumSince(Math.floorDiv(t - 86_400_000L, 3_600_000L) * 3_600_000L);
        long max = Long.MIN_VALUE;
        long from = Math.floorDiv(t - 86_400_000L, 3_600_000L) * 3_600_000L;
        for (int i = 0; i < events.length; i++) {
            if (times[i] >= from && times[i] < t) {
                max = Math.max(max, (Long) events[i].get(0));
            }
        }
        out[o++] = max;
        out[o] = events[events.length - 1].get(0);
        return out;
    }

    private long countSince(long from, boolean declinedOnly) {
        long n = 0;
        for (int i = 0; i < events.length; i++) {
            if (times[i] >= from && times[i] < t && (!declinedOnly || "DECLINED".equals(events[i].get(1)))) {
                n++;
            }
        }
        return n;
    }

    private long sumSince(long from) {
        long s = 0;
        for (int i = 0; i < events.length; i++) {
            if (times[i] >= from && times[i] < t) {
                s += (Long) events[i].get(0);
            }
        }
        return s;
    }
}

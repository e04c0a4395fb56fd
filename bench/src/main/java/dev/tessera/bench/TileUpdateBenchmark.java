package dev.tessera.bench;

import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.tile.EntityTiles;
import dev.tessera.core.tile.GroupAggregator;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Tile updates: events applied through {@link GroupAggregator#apply} to a group with one count and
 * one sum (so each event is two tile updates), for 1,000 entities round-robin, in time order.
 *
 * <p>Baseline: the naive path a feature store without tiles takes — append every raw event to the
 * entity's list (and compute at read time; see {@link WindowReadBenchmark}).
 *
 * <p>Run: {@code mvn -B -ntp -q package -pl bench -am -DskipTests && java -jar bench/target/benchmarks.jar TileUpdate}
 * Target (issue [Core]): at least 20 million count/sum tile updates per second per core, i.e.
 * {@code applyCountAndSum} at 10 M events/s or more.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TileUpdateBenchmark {
    static final int EVENTS = 100_000;
    static final int ENTITIES = 1_000;

    GroupAggregator group;
    EntityTiles[] entities;
    List<List<Object>> rawLists;
    ArrayEvent[] events;
    long[] times = new long[EVENTS];

    @Setup(Level.Trial)
    public void setUp() {
        group = GroupAggregator.compile(BenchGroups.countAndSum(), BenchGroups.LAYOUT);
        events = BenchGroups.events(EVENTS, 250, times, 42);
    }

    @Setup(Level.Iteration)
    public void freshState() {
        entities = new EntityTiles[ENTITIES];
        rawLists = new ArrayList<>(ENTITIES);
        for (int i = 0; i < ENTITIES; i++) {
            entities[i] = group.newEntity();
            rawLists.add(new ArrayList<>());
        }
    }

    /** Events per second through tiles (two tile updates each). */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public void applyCountAndSum(Blackhole bh) {
        int nonFinite = 0;
        for (int i = 0; i < EVENTS; i++) {
            nonFinite += group.apply(entities[i % ENTITIES], events[i], times[i], null);
        }
        bh.consume(nonFinite);
    }

    /** Baseline: keep raw events per entity. */
    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public void baselineAppendRawEvents(Blackhole bh) {
        for (int i = 0; i < EVENTS; i++) {
            List<Object> l = rawLists.get(i % ENTITIES);
            l.add(events[i]);
            if (l.size() > 4096) {
                l.clear();
            }
        }
        bh.consume(rawLists);
    }
}

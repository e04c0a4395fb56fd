package dev.tessera.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tessera.api.Aggregation;
import dev.tessera.api.Definitions;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.bench.e2e.ServingStack;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.core.tile.EntityTiles;
import dev.tessera.core.tile.GroupAggregator;
import dev.tessera.runtime.FeatureReader;
import dev.tessera.runtime.FeatureValues;
import dev.tessera.runtime.decode.EventDecoder;
import dev.tessera.runtime.decode.EventDecoders;
import dev.tessera.serving.FeatureQueries;
import dev.tessera.serving.ServingServer;
import dev.tessera.serving.Tokens;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * In-process reads of one account's 50 features ({@code account_serving}, see {@link ServingStack})
 * from the real runtime: the stack is started in the fork, {@value Stack#ACCOUNTS} accounts get a day
 * of payments through the in-process broker, and reads rotate over them.
 *
 * <ul>
 *   <li>{@code featureReaderRead}: {@code FeatureReader.read} (entity lookup, entity lock, the core
 *       read, the value list handed to serving);</li>
 *   <li>{@code readOneJson}: {@code FeatureQueries.readOne} into a reused buffer: key parsing and
 *       checks, the read, and the JSON answer (what {@code GET /v1/features/account_serving/a-N}
 *       does, minus HTTP); a new generator per call, as the server makes one per request;</li>
 *   <li>baseline {@code baselineCoreRead}: {@code GroupAggregator.read} alone on tiles built from
 *       the same payments outside the runtime (the setup checks both give the same values), so the
 *       runtime's and serving's own costs are the differences.</li>
 * </ul>
 * Both JMH modes by default: average time, and sample time for the percentiles (p99 is the issue's
 * figure). {@code eventsPerEntity}: 50 (an account paying every half hour) and 1,000 (every
 * 1.4 minutes: many populated tiles in every window).
 *
 * <p>Run (from the repository root, which holds {@code examples/commerce}; elsewhere add
 * {@code -jvmArgsAppend -Dtessera.examples=/path/to/examples/commerce}):
 * {@code java -jar bench/target/benchmarks.jar FeatureRead -prof gc}
 * <br>Target (issue [Serving]): in-process read p99 20 µs or less.
 */
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FeatureReadBenchmark {

    /** The stack and the loaded state, shared by the benchmark threads. */
    @State(Scope.Benchmark)
    public static class Stack {
        static final int ACCOUNTS = 100;

        @Param({"50", "1000"})
        int eventsPerEntity;

        ServingStack stack;
        FeatureReader reader;
        FeatureQueries queries;
        JsonFactory json;
        GroupAggregator aggregator;
        EntityTiles[] tiles;
        List<List<String>> keys;
        List<String> segments;
        /** One decoded payment per account, applied again by {@code coreReadAfterUpdate}. */
        dev.tessera.core.event.Event[] updates;
        long updateTime;
        /** Per account: {@value #NEXT_EVENTS} decoded payments that {@code coreReadAfterNextEvent} applies in turn. */
        dev.tessera.core.event.Event[][] nextEvents;
        /** Per account: the event time of its next event (a clock of its own, {@link #spacing} per event). */
        long[] clocks;
        long spacing;
        Path work;

        static final int NEXT_EVENTS = 1_024;

        @Setup(Level.Trial)
        public void start() throws Exception {
            work = Files.createTempDirectory("tessera-readbench");
            try {
                load();
            } catch (Exception | Error e) { // JMH skips the tear-down when the set-up fails
                if (stack != null) {
                    stack.close();
                }
                ServingStack.deleteTree(work);
                throw e;
            }
        }

        private void load() throws Exception {
            Path examples = Path.of(System.getProperty("tessera.examples", "examples/commerce"));
            stack = ServingStack.start(examples, work);
            Definitions defs = stack.definitions();
            FeatureGroup group = defs.group(ServingStack.GROUP).orElseThrow();
            Source source = defs.sourceOf(group);
            FieldLayout layout = SourceFields.layout(defs, source);
            aggregator = GroupAggregator.compile(group, layout);
            EventDecoder decoder = EventDecoders.forSource(source, stack.definitionsDir(), layout);
            tiles = new EntityTiles[ACCOUNTS];
            for (int i = 0; i < ACCOUNTS; i++) {
                tiles[i] = aggregator.newEntity();
            }
            stack.load(ACCOUNTS * eventsPerEntity, ACCOUNTS, 1,
                    (account, time, id, payment) -> aggregator.apply(tiles[account], decoder.decode(payment).event(), time, id));
            updates = new dev.tessera.core.event.Event[ACCOUNTS];
            updateTime = System.currentTimeMillis() - 60_000;
            java.util.Random rnd = new java.util.Random(7);
            for (int i = 0; i < ACCOUNTS; i++) {
                updates[i] = decoder.decode(dev.tessera.bench.e2e.PaymentEvents.paymentOf(rnd, 1_000_000 + i, i, updateTime))
                        .event();
            }
            nextEvents = new dev.tessera.core.event.Event[ACCOUNTS][NEXT_EVENTS];
            clocks = new long[ACCOUNTS];
            spacing = 86_400_000L / eventsPerEntity;
            long start = System.currentTimeMillis();
            for (int i = 0; i < ACCOUNTS; i++) {
                for (int e = 0; e < NEXT_EVENTS; e++) {
                    nextEvents[i][e] = decoder.decode(dev.tessera.bench.e2e.PaymentEvents.paymentOf(rnd,
                            2_000_000 + i * NEXT_EVENTS + e, i, start)).event();
                }
                clocks[i] = start + spacing * i / ACCOUNTS; // staggered, so accounts cross hop boundaries at different times
            }
            reader = stack.reader();
            queries = stack.api(Tokens.none()).queries();
            json = ServingServer.requestMapper().getFactory();
            keys = new ArrayList<>();
            segments = new ArrayList<>();
            for (int i = 0; i < ACCOUNTS; i++) {
                segments.add(ServingStack.accountKey(i));
                keys.add(List.of(ServingStack.accountKey(i)));
            }
            checkSameValues(group);
        }

        /**
         * The runtime's read and the core read of the same payments agree: exact aggregations
         * exactly (doubles to 1e-9 relative). Sketches depend on the order values arrive in, and
         * the runtime applies the four partitions interleaved while the baseline applies them in
         * production order: approx_distinct and approx_percentile must agree to 5 % (their error
         * bounds are about 1.6 % and 1 % of rank), top_k on the number of entries (counts are
         * estimates once a window holds more than 192 distinct values).
         */
        private void checkSameValues(FeatureGroup group) {
            Set<String> approximate = new HashSet<>();
            Set<String> topK = new HashSet<>();
            for (Feature f : group.features()) {
                if (f.agg() == Aggregation.APPROX_DISTINCT || f.agg() == Aggregation.APPROX_PERCENTILE) {
                    approximate.addAll(f.servedNames());
                } else if (f.agg() == Aggregation.TOP_K) {
                    topK.addAll(f.servedNames());
                }
            }
            Object[] core = new Object[ServingStack.SERVED_FEATURES];
            for (int i = 0; i < ACCOUNTS; i++) {
                FeatureValues fv = reader.read(ServingStack.GROUP, keys.get(i), System.currentTimeMillis());
                aggregator.read(tiles[i], fv.asOf(), core);
                for (int f = 0; f < core.length; f++) {
                    String name = fv.names().get(f);
                    Object a = fv.values().get(f);
                    Object b = core[f];
                    double tolerance = approximate.contains(name) ? 0.05 : 1e-9;
                    boolean same;
                    if (topK.contains(name)) {
                        same = a instanceof List<?> x && b instanceof List<?> y && x.size() == y.size();
                    } else if (a instanceof Number x && b instanceof Number y && (a instanceof Double || b instanceof Double
                            || approximate.contains(name))) {
                        same = Math.abs(x.doubleValue() - y.doubleValue()) <= tolerance * Math.max(1, Math.abs(y.doubleValue()));
                    } else {
                        same = Objects.equals(a, b);
                    }
                    if (!same) {
                        throw new IllegalStateException("account " + keys.get(i) + ", " + fv.names().get(f) + ": runtime reads "
                                + a + ", the core read of the same payments " + b);
                    }
                }
            }
        }

        @TearDown(Level.Trial)
        public void stop() {
            stack.close();
        }
    }

    /** Per thread: which account is next, and the reused output buffers. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
        long events;
        final ByteArrayOutputStream buffer = new ByteArrayOutputStream(8192);
        final Object[] out = new Object[ServingStack.SERVED_FEATURES];

        int advance() {
            int i = next;
            next = i + 1 == Stack.ACCOUNTS ? 0 : i + 1;
            return i;
        }
    }

    @Benchmark
    public FeatureValues featureReaderRead(Stack s, Cursor c) {
        return s.reader.read(ServingStack.GROUP, s.keys.get(c.advance()), System.currentTimeMillis());
    }

    @Benchmark
    public int readOneJson(Stack s, Cursor c) throws IOException {
        c.buffer.reset();
        try (JsonGenerator out = s.json.createGenerator(c.buffer)) {
            s.queries.readOne(ServingStack.GROUP, s.segments.get(c.advance()), Map.of(), out);
        }
        return c.buffer.size();
    }

    /**
     * The read cache's miss path: one more event for the entity (its newest tiles change), then a
     * read of every feature — what a score right after the entity's event costs.
     *
     * <p>Not representative of a real account, and kept as a worst case: it applies the same payment
     * at the same time on every call, so during a run each account's newest tiles receive thousands
     * of copies of one payment. At 1,000 events a day that makes the head tiles sketches no account
     * has (a KLL sketch per hour for the percentile, items sketches for top_k), and every read takes
     * the folding path of those kinds (ADR 007 addendum, ADR 011). {@code coreReadAfterNextEvent} is
     * the realistic case; bench/RESULTS.md reports both.
     */
    @Benchmark
    public Object[] coreReadAfterUpdate(Stack s, Cursor c) {
        int i = c.advance();
        s.aggregator.apply(s.tiles[i], s.updates[i], s.updateTime, null);
        s.aggregator.read(s.tiles[i], System.currentTimeMillis(), c.out);
        return c.out;
    }

    /**
     * The same, for an entity that lives on: each account's next event comes from a pool of fresh
     * payments at its own clock, {@code 1 day / eventsPerEntity} after the previous one, and is read
     * at once; the account's tiles are evicted as the runtime's commits do. So the state stays that of
     * an account with {@code eventsPerEntity} events a day: the newest tile holds what an hour (a
     * day, for 1d hops) of such traffic puts there, new heads are opened and windows slide as time
     * passes (their merged prefixes are made again then). {@code coreReadAfterUpdate} instead applies
     * the same event at the same time again and again, so during a run each account's newest tiles
     * grow by one copy of one payment per call (thousands per account): their percentile IRs leave
     * the exact buffer for a KLL sketch, which no account with 50 events a day ever does.
     */
    @Benchmark
    public Object[] coreReadAfterNextEvent(Stack s, Cursor c) {
        int i = c.advance();
        long t = s.clocks[i] += s.spacing;
        s.aggregator.apply(s.tiles[i], s.nextEvents[i][(int) (c.events++ % Stack.NEXT_EVENTS)], t, null);
        s.aggregator.evict(s.tiles[i], t);
        s.aggregator.read(s.tiles[i], t + 1, c.out);
        return c.out;
    }

    /** Per thread: the account whose next event {@link #applyNext} applied, and the time to read it at. */
    @State(Scope.Thread)
    public static class JustChanged {
        int account;
        long readAt;

        /**
         * Applies and evicts as {@code coreReadAfterNextEvent} does, outside the timed call. JMH warns
         * that per-invocation set-ups distort benchmarks that take microseconds when their cost is
         * timed; in sample-time mode each invocation is timed alone, so only the read is measured
         * (the set-up's effect on the caches, the entity just written, is the point).
         */
        @Setup(Level.Invocation)
        public void applyNext(Stack s, Cursor c) {
            int i = c.advance();
            long t = s.clocks[i] += s.spacing;
            s.aggregator.apply(s.tiles[i], s.nextEvents[i][(int) (c.events++ % Stack.NEXT_EVENTS)], t, null);
            s.aggregator.evict(s.tiles[i], t);
            account = i;
            readAt = t + 1;
        }
    }

    /**
     * {@link JustChanged} with the runtime's window slider (ADR 016): when an hour boundary passed
     * since the account's previous event, the slider's pass ran at that boundary (plus its delay),
     * before this event: {@code GroupAggregator.refreshReadCache} at that time, as the runtime calls
     * it, untimed like the apply.
     */
    @State(Scope.Thread)
    public static class JustChangedSlid {
        int account;
        long readAt;
        Object[] scratch;

        @Setup(Level.Invocation)
        public void applyNext(Stack s, Cursor c) {
            if (scratch == null) {
                scratch = new Object[ServingStack.SERVED_FEATURES];
            }
            int i = c.advance();
            long previous = s.clocks[i];
            long t = s.clocks[i] += s.spacing;
            long boundary = t - Math.floorMod(t, 3_600_000L);
            if (previous < boundary) {
                s.aggregator.refreshReadCache(s.tiles[i], Math.min(t - 1, boundary + 1_000), scratch);
            }
            s.aggregator.apply(s.tiles[i], s.nextEvents[i][(int) (c.events++ % Stack.NEXT_EVENTS)], t, null);
            s.aggregator.evict(s.tiles[i], t);
            account = i;
            readAt = t + 1;
        }
    }

    /** {@link #coreReadJustChanged} in a runtime whose window slider runs (ADR 016): the read as served. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public Object[] coreReadJustChangedSlid(Stack s, JustChangedSlid e, Cursor c) {
        s.aggregator.read(s.tiles[e.account], e.readAt, c.out);
        return c.out;
    }

    /**
     * The in-process read in its hardest realistic case: all 50 features of an account whose
     * next event was applied just before (untimed, {@link JustChanged}), so no read-cache entry is
     * current and every window has moved — what a scoring call reads right after the payment it
     * scores. {@code coreReadAfterNextEvent} times the same with the apply and evict included.
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    public Object[] coreReadJustChanged(Stack s, JustChanged e, Cursor c) {
        s.aggregator.read(s.tiles[e.account], e.readAt, c.out);
        return c.out;
    }

    @Benchmark
    public Object[] baselineCoreRead(Stack s, Cursor c) {
        s.aggregator.read(s.tiles[c.advance()], System.currentTimeMillis(), c.out);
        return c.out;
    }
}

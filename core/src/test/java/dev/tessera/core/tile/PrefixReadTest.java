package dev.tessera.core.tile;

import static dev.tessera.core.tile.GroupAggregatorTest.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.Aggregation;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Location;
import dev.tessera.api.Meta;
import dev.tessera.api.TimeSpan;
import dev.tessera.core.agg.Ir;
import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.core.oracle.OracleAssertions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Reads through the read cache (last results and merged prefixes, {@link WindowPrefixes}) equal the full
 * merge of the window's tiles ({@link GroupAggregator#readFullMerge}) exactly — {@code equals}, so
 * doubles bit for bit — and the naive oracle within its stated tolerances, on streams made to hit
 * every way a kept prefix can go stale: late events in tiles inside the prefix (updates and new
 * tiles inserted before the head), tiles {@code put} back from their encoding as a store does,
 * restarts (every tile put into a new entity), evictions, windows sliding across hop boundaries, a
 * new head appended (the prefix grows), commits (encoding sorts percentile buffers in place), reads
 * at earlier times, slots a filter left empty, lifetime
 * windows, and for the sketches windows past their exact forms (approx_distinct past 128 values,
 * approx_percentile past 300, top_k past the 192 distinct values of its merge target).
 *
 * <p>Every step reads every served feature, so the cache is used the way a read after each event
 * uses it. A stale prefix shows as a difference from the full merge in the same step.
 */
class PrefixReadTest {
    private static final FieldLayout LAYOUT = FieldLayout.of("amount", "key", "flag");
    private static final long SECOND = 1_000;

    @Test void count() { forSeeds(Aggregation.COUNT); }
    @Test void sum() { forSeeds(Aggregation.SUM); }
    @Test void avg() { forSeeds(Aggregation.AVG); }
    @Test void min() { forSeeds(Aggregation.MIN); }
    @Test void max() { forSeeds(Aggregation.MAX); }
    @Test void first() { forSeeds(Aggregation.FIRST); }
    @Test void last() { forSeeds(Aggregation.LAST); }
    @Test void lastK() { forSeeds(Aggregation.LAST_K); }
    @Test void approxDistinct() { forSeeds(Aggregation.APPROX_DISTINCT); }
    @Test void approxPercentile() { forSeeds(Aggregation.APPROX_PERCENTILE); }
    @Test void topK() { forSeeds(Aggregation.TOP_K); }

    /** Tries per aggregation; one in {@value #LARGE_ODDS} is a long stream past the sketches' exact forms. */
    static final int CASES = 200;
    static final int LARGE_ODDS = 6;

    private static void forSeeds(Aggregation agg) {
        String one = System.getProperty("tessera.seed");
        if (one != null) {
            check(agg, Long.parseLong(one));
            return;
        }
        long base = 7_000_000L + agg.ordinal() * 1_000_003L;
        for (int i = 0; i < CASES; i++) {
            check(agg, base + i);
        }
    }

    private record Shape(String window, String hop) {}

    private static final List<Shape> SHAPES = List.of(
            new Shape("10s", "1s"), new Shape("30s", "2s"), new Shape("60s", "5s"), new Shape("2m", "10s"));

    private static void check(Aggregation agg, long seed) {
        Random rnd = new Random(seed);
        boolean large = rnd.nextInt(LARGE_ODDS) == 0;
        String of = switch (agg) {
            case COUNT -> rnd.nextBoolean() ? null : "amount";
            case SUM, AVG, MIN, MAX, APPROX_PERCENTILE -> "amount";
            case APPROX_DISTINCT, TOP_K -> "key";
            default -> rnd.nextBoolean() ? "amount" : "key";
        };
        int k = agg == Aggregation.LAST_K || agg == Aggregation.TOP_K ? 1 + rnd.nextInt(large ? 12 : 5) : 0;
        double p = agg == Aggregation.APPROX_PERCENTILE ? List.of(0.01, 0.5, 0.95, 0.99).get(rnd.nextInt(4)) : Double.NaN;

        // Two or three windows (shapes may share a hop with another window's), one filtered, and lifetime.
        List<Feature> features = new ArrayList<>();
        List<NaiveOracle.Spec> specs = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>(SHAPES);
        java.util.Collections.shuffle(shapes, rnd);
        long longestWindow = 0;
        long shortestHop = Long.MAX_VALUE;
        for (int i = 0; i < 2 + rnd.nextInt(2); i++) {
            Shape shape = shapes.get(i);
            boolean filtered = i == 1;
            TimeSpan w = TimeSpan.parse(shape.window);
            TimeSpan hop = TimeSpan.parse(shape.hop);
            features.add(new Feature("f" + i, agg, of, filtered ? "flag" : null, List.of(w), hop, k, p,
                    Meta.at(Location.UNKNOWN)));
            specs.add(new NaiveOracle.Spec(agg.yamlName(), of,
                    filtered ? e -> Boolean.TRUE.equals(e.fields().get("flag")) : e -> true, w.millis(), hop.millis(), k));
            longestWindow = Math.max(longestWindow, w.millis());
            shortestHop = Math.min(shortestHop, hop.millis());
        }
        features.add(new Feature("lifetime", agg, of, null, List.of(), null, k, p, Meta.at(Location.UNKNOWN)));
        specs.add(new NaiveOracle.Spec(agg.yamlName(), of, e -> true, 0, 0, k));
        GroupAggregator ga = GroupAggregator.compile(new FeatureGroup("g", "src", "account", features,
                Meta.at(Location.UNKNOWN)), LAYOUT);
        assertThat(ga.servedNames()).hasSize(specs.size());

        int steps = large ? 400 + rnd.nextInt(600) : 20 + rnd.nextInt(100);
        int keys = large ? 300 + rnd.nextInt(400) : 1 + rnd.nextInt(12);
        boolean doubles = rnd.nextBoolean();
        // events per second of stream time: a few (sparse tiles, null slots) to many (sketches past exact)
        long spacing = large ? 5 + rnd.nextInt(60) : 100 + rnd.nextInt(3_000);
        int jumpOdds = large ? 20 : 4;
        int oracleEvery = large ? 25 : 1;

        EntityTiles tiles = ga.newEntity();
        List<NaiveOracle.Ev> applied = new ArrayList<>();
        long clock = T0 + rnd.nextInt(10_000); // every applied event is before clock; reads are at clock
        for (int step = 0; step < steps; step++) {
            int action = rnd.nextInt(100);
            String what;
            if (action < 75) { // on time: lands in the head, or opens a new head
                clock += rnd.nextInt(jumpOdds) == 0 ? rnd.nextInt((int) (3 * shortestHop)) : rnd.nextInt((int) spacing + 1);
                long time = clock - 1 - rnd.nextInt((int) Math.min(spacing, shortestHop));
                apply(ga, tiles, applied, rnd, time, "e" + step, keys, doubles);
                what = "event at clock-" + (clock - time);
                clock++;
            } else if (action < 87) { // late: somewhere inside the longest window, usually in the prefix
                long time = clock - 1 - rnd.nextInt((int) longestWindow);
                apply(ga, tiles, applied, rnd, time, "late" + step, keys, doubles);
                what = "late event at clock-" + (clock - time);
            } else if (action < 91) {
                ga.evict(tiles, clock);
                what = "evict";
            } else if (action < 93) { // the store's newer version of an event's tiles (one more event) is put
                long time = clock - 1 - rnd.nextInt((int) longestWindow);
                EntityTiles scratch = ga.newEntity();
                for (int h = 0; h < ga.hopCount(); h++) {
                    Ir[] tile = tiles.ring(h).tile(ga.tileStart(h, time));
                    if (tile != null) {
                        scratch.ring(h).put(ga.tileStart(h, time), TileCodec.decode(ga, h, TileCodec.encode(ga, h, tile)));
                    }
                }
                apply(ga, scratch, applied, rnd, time, "put" + step, keys, doubles);
                for (int h = 0; h < ga.hopCount(); h++) {
                    Ir[] tile = scratch.ring(h).tile(ga.tileStart(h, time));
                    if (tile != null) {
                        tiles.ring(h).put(ga.tileStart(h, time), tile);
                    }
                }
                what = "put of the tiles of an event at clock-" + (clock - time);
            } else if (action < 94) { // a commit encodes every tile (and so sorts percentile buffers in place)
                for (int h = 0; h < ga.hopCount(); h++) {
                    TileRing ring = tiles.ring(h);
                    for (int i = 0; i < ring.size(); i++) {
                        TileCodec.encode(ga, h, ring.tileAt(i));
                    }
                }
                // and a runtime sweep: read since the last one (every step reads), the cache stays;
                // a second sweep with no read between releases it; the reads below rebuild it
                assertThat(ga.releaseUnreadCache(tiles)).as("read since the last sweep: kept").isFalse();
                if (rnd.nextBoolean()) {
                    ga.releaseUnreadCache(tiles);
                    assertThat(ga.releaseUnreadCache(tiles)).as("nothing left to release").isFalse();
                    what = "commit and release of the read cache";
                } else {
                    what = "commit";
                }
            } else if (action < 95) { // one tile replaced by its decoded copy, as a store load does
                int h = rnd.nextInt(ga.hopCount());
                TileRing ring = tiles.ring(h);
                if (ring.size() == 0) {
                    continue;
                }
                int i = rnd.nextInt(ring.size());
                ring.put(ring.startOf(i), TileCodec.decode(ga, h, TileCodec.encode(ga, h, ring.tileAt(i))));
                what = "put of tile " + i + " of ring " + h;
            } else if (action < 97) { // restart: a new entity from every tile's bytes; its cache starts empty
                EntityTiles fresh = ga.newEntity();
                for (int h = 0; h < ga.hopCount(); h++) {
                    TileRing ring = tiles.ring(h);
                    for (int i = 0; i < ring.size(); i++) {
                        fresh.ring(h).put(ring.startOf(i), TileCodec.decode(ga, h, TileCodec.encode(ga, h, ring.tileAt(i))));
                    }
                }
                tiles = fresh;
                what = "restart";
            } else if (action < 98) { // the runtime's background pass: windows slid ahead of the reads, not a read
                boolean cached = tiles.cachedResults != null;
                boolean sweep = rnd.nextBoolean(); // a runtime sweep just before: the entity counts as unread again
                if (sweep) {
                    ga.releaseUnreadCache(tiles);
                }
                assertThat(ga.refreshReadCache(tiles, clock, new Object[specs.size()])).isEqualTo(cached);
                if (sweep && cached) {
                    assertThat(ga.releaseUnreadCache(tiles)).as("a refresh is not a read: the next sweep drops the cache")
                            .isTrue();
                }
                what = "background slide";
            } else { // a jump of several hops: windows slide past tiles, some empty out
                clock += shortestHop * (1 + rnd.nextInt(20));
                if (rnd.nextBoolean()) { // the background pass ran at the hour boundary in between
                    ga.refreshReadCache(tiles, clock - 1 - rnd.nextInt((int) shortestHop), new Object[specs.size()]);
                }
                what = "jump";
            }
            String where = " (seed " + seed + ", step " + step + " after " + what + ")";
            boolean withOracle = step % oracleEvery == 0 || step == steps - 1;
            for (int f = 0; f < specs.size(); f++) {
                String name = ga.servedNames().get(f) + " at clock " + clock + where;
                Object actual = ga.read(tiles, clock, f);
                assertThat(actual).as(name + ": read equals the full merge").isEqualTo(ga.readFullMerge(tiles, clock, f));
                if (withOracle) {
                    Object expected = NaiveOracle.value(specs.get(f), applied, clock);
                    if (agg == Aggregation.TOP_K && large) {
                        assertTopKBounds(name, actual, expected, k);
                    } else {
                        OracleAssertions.assertMatches(agg, p, k, name, actual, expected);
                    }
                }
            }
            if (tiles.cachedResults != null) { // numbers are cached as bits: no pointer from the long-lived cache to a new box
                for (Object cachedResult : tiles.cachedResults) {
                    assertThat(cachedResult instanceof Long || cachedResult instanceof Double)
                            .as("the read cache holds a boxed number" + where).isFalse();
                }
            }
            if (rnd.nextInt(10) == 0) { // a read at an earlier time: other ranges, then back
                long earlier = clock - 1 - rnd.nextInt((int) longestWindow);
                for (int f = 0; f < specs.size(); f++) {
                    assertThat(ga.read(tiles, earlier, f)).as(ga.servedNames().get(f) + " at " + earlier + where)
                            .isEqualTo(ga.readFullMerge(tiles, earlier, f));
                }
            }
        }
    }

    /**
     * Past 192 distinct values top_k's counts are the items sketch's estimates: never below the true
     * count (SketchAccuracyTest checks the upper bound); OracleAssertions is exact, for small streams.
     */
    private static void assertTopKBounds(String name, Object actual, Object expected, int k) {
        @SuppressWarnings("unchecked") Map<String, Long> counts = (Map<String, Long>) expected;
        @SuppressWarnings("unchecked") List<dev.tessera.core.agg.ValueCount> rows = (List<dev.tessera.core.agg.ValueCount>) actual;
        assertThat(rows).as(name).hasSize(Math.min(k, counts.size()));
        for (dev.tessera.core.agg.ValueCount row : rows) {
            assertThat(row.count()).as(name + ": " + row).isGreaterThanOrEqualTo(counts.getOrDefault(row.value(), 0L));
        }
    }

    private static void apply(GroupAggregator ga, EntityTiles tiles, List<NaiveOracle.Ev> applied, Random rnd,
                              long time, String id, int keys, boolean doubles) {
        Map<String, Object> f = new HashMap<>();
        int r = rnd.nextInt(30);
        Object amount = r == 0 ? null
                : doubles ? Math.round((rnd.nextDouble() * 2000 - 500) * 100) / 100.0 : (Object) (long) (rnd.nextInt(2000) - 500);
        f.put("amount", amount);
        f.put("key", rnd.nextInt(20) == 0 ? null : "k" + (int) Math.floor(Math.pow(rnd.nextDouble(), 2) * keys));
        f.put("flag", rnd.nextInt(3) != 0);
        ga.apply(tiles, ArrayEvent.fromMap(LAYOUT, f), time, id);
        applied.add(new NaiveOracle.Ev(time, id, f));
    }

    // ---- targeted cases: each names one way a prefix could go stale ----

    private static final long H = TimeSpan.HOUR;

    private static GroupAggregator countAndSum1d() {
        return GroupAggregatorTest.group(
                GroupAggregatorTest.feature("n", Aggregation.COUNT, null, null, "1d"),
                GroupAggregatorTest.feature("s", Aggregation.SUM, "amount", null, "1d"));
    }

    private static void hourly(GroupAggregator g, EntityTiles e, int fromHour, int toHour) {
        for (int h = fromHour; h < toHour; h++) {
            g.apply(e, GroupAggregatorTest.event((long) h, "A"), T0 + h * H + 1, "h" + h);
        }
    }

    @Test
    void aLateEventInATileInsideThePrefixIsSeen() {
        GroupAggregator g = countAndSum1d();
        EntityTiles e = g.newEntity();
        hourly(g, e, 0, 6);
        long t = T0 + 6 * H - 1;
        assertThat(g.read(e, t, 0)).isEqualTo(6L); // prefix: hours 0..4, last tile: hour 5
        g.apply(e, GroupAggregatorTest.event(100L, "A"), T0 + 2 * H + 5, "late");
        assertThat(g.read(e, t, 0)).isEqualTo(7L);
        assertThat(g.read(e, t, 1)).isEqualTo(115L);
    }

    @Test
    void aLateEventOpeningATileInsideThePrefixIsSeen() {
        GroupAggregator g = countAndSum1d();
        EntityTiles e = g.newEntity();
        g.apply(e, GroupAggregatorTest.event(1L, "A"), T0 + 1, "a");
        g.apply(e, GroupAggregatorTest.event(2L, "A"), T0 + 4 * H, "b");
        g.apply(e, GroupAggregatorTest.event(3L, "A"), T0 + 5 * H, "c");
        long t = T0 + 6 * H;
        assertThat(g.read(e, t, 1)).isEqualTo(6L);
        g.apply(e, GroupAggregatorTest.event(10L, "A"), T0 + 2 * H, "late"); // a new tile between two prefix tiles
        assertThat(g.read(e, t, 1)).isEqualTo(16L);
    }

    @Test
    void aTilePutFromTheStoreReplacesWhatThePrefixHeld() {
        GroupAggregator g = countAndSum1d();
        EntityTiles e = g.newEntity();
        hourly(g, e, 0, 6);
        long t = T0 + 6 * H;
        assertThat(g.read(e, t, 0)).isEqualTo(6L);
        // the store's copy of hour 1 holds three events (say, written by another replica's commit)
        EntityTiles other = g.newEntity();
        for (int i = 0; i < 3; i++) {
            g.apply(other, GroupAggregatorTest.event(1L, "A"), T0 + H + i, "x" + i);
        }
        e.ring(0).put(T0 + H, TileCodec.decode(g, 0, TileCodec.encode(g, 0, other.ring(0).tileAt(0))));
        assertThat(g.read(e, t, 0)).isEqualTo(8L);
        assertThat(g.read(e, t, 0)).isEqualTo(g.readFullMerge(e, t, 0));
    }

    @Test
    void theWindowSlidingPastATileDropsIt() {
        GroupAggregator g = countAndSum1d();
        EntityTiles e = g.newEntity();
        hourly(g, e, 0, 30);
        for (long t = T0 + 30 * H - 1; t < T0 + 40 * H; t += H / 2) {
            for (int f = 0; f < 2; f++) {
                assertThat(g.read(e, t, f)).as("t = T0 + %d min", (t - T0) / 60_000).isEqualTo(g.readFullMerge(e, t, f));
            }
        }
        // at T0 + 31h the 1d window starts at hour 7: hours 7..29
        assertThat(g.read(e, T0 + 31 * H, 0)).isEqualTo(23L);
    }

    @Test
    void aNewHeadMovesTheFormerHeadIntoThePrefix() {
        GroupAggregator g = countAndSum1d();
        EntityTiles e = g.newEntity();
        for (int h = 0; h < 10; h++) {
            for (int i = 0; i < 3; i++) { // three events per hour, each read right after
                g.apply(e, GroupAggregatorTest.event(1L, "A"), T0 + h * H + i, "e" + h + "_" + i);
                long t = T0 + h * H + i + 1;
                assertThat(g.read(e, t, 0)).isEqualTo((long) (3 * h + i + 1));
                assertThat(g.read(e, t, 1)).isEqualTo((long) (3 * h + i + 1));
            }
        }
    }

    @Test
    void evictionIsSeen() {
        GroupAggregator g = countAndSum1d();
        EntityTiles e = g.newEntity();
        hourly(g, e, 0, 26);
        long t = T0 + 26 * H;
        assertThat(g.read(e, t, 0)).isEqualTo(24L);
        assertThat(g.evict(e, t)).isEqualTo(2);
        assertThat(g.read(e, t, 0)).isEqualTo(24L);
        g.apply(e, GroupAggregatorTest.event(1L, "A"), t, "next");
        assertThat(g.read(e, t + 1, 0)).isEqualTo(25L);
        assertThat(g.read(e, t + 1, 0)).isEqualTo(g.readFullMerge(e, t + 1, 0));
    }

    @Test
    void slotsAFilterLeftEmptyAndEmptyWindowsGiveTheEmptyValue() {
        GroupAggregator g = GroupAggregatorTest.group(
                GroupAggregatorTest.feature("d", Aggregation.SUM, "amount", "status == 'DECLINED'", "1d"),
                GroupAggregatorTest.feature("m", Aggregation.MAX, "amount", "status == 'DECLINED'", "1d"));
        EntityTiles e = g.newEntity();
        g.apply(e, GroupAggregatorTest.event(5L, "APPROVED"), T0, "a");
        g.apply(e, GroupAggregatorTest.event(7L, "DECLINED"), T0 + H, "b");
        g.apply(e, GroupAggregatorTest.event(9L, "APPROVED"), T0 + 2 * H, "c"); // the last tile's slot stays null
        assertThat(g.read(e, T0 + 3 * H, 0)).isEqualTo(7L);
        assertThat(g.read(e, T0 + 3 * H, 1)).isEqualTo(7L);
        g.apply(e, GroupAggregatorTest.event(9L, "APPROVED"), T0 + 3 * H, "d");
        assertThat(g.read(e, T0 + 4 * H, 0)).isEqualTo(7L);
        assertThat(g.read(e, T0 + 26 * H, 0)).isEqualTo(0L); // only hour 3 (no declined) is left
        assertThat(g.read(e, T0 + 26 * H, 1)).isNull();
    }

    /**
     * A commit encodes tiles, which sorts percentile buffers in place; it does not change the ring's
     * versions. Windows past 300 values feed those buffers to a KLL sketch, where the order matters
     * unless feeding sorts (PercentileIr.feed): without that, a prefix merged before the commit and a
     * full merge after it would disagree.
     */
    @Test
    void aCommitBetweenReadsDoesNotChangeAPercentilePastItsExactBuffer() {
        for (long seed = 0; seed < 40; seed++) {
            Random rnd = new Random(seed);
            GroupAggregator g = GroupAggregatorTest.group(new Feature("p", Aggregation.APPROX_PERCENTILE, "amount", null,
                    List.of(TimeSpan.parse("1d")), null, 0, List.of(0.05, 0.5, 0.9).get(rnd.nextInt(3)), Meta.at(Location.UNKNOWN)));
            EntityTiles e = g.newEntity();
            for (int h = 0; h < 12; h++) {
                int n = 20 + rnd.nextInt(120);
                for (int i = 0; i < n; i++) {
                    g.apply(e, GroupAggregatorTest.event((double) rnd.nextInt(10_000), "A"), T0 + h * H + i, null);
                }
                long t = T0 + h * H + n;
                assertThat(g.read(e, t, 0)).as("seed %d hour %d", seed, h).isEqualTo(g.readFullMerge(e, t, 0));
                for (int r = 0; r < e.ring(0).size(); r++) { // commit
                    TileCodec.encode(g, 0, e.ring(0).tileAt(r));
                }
                assertThat(g.read(e, t, 0)).as("seed %d hour %d after the commit", seed, h).isEqualTo(g.readFullMerge(e, t, 0));
            }
        }
    }

    /**
     * The serving pattern over weeks: an event, an eviction, a read of every feature right after it,
     * for an entity with a few to a few hundred events a day, so the 1d, 7d and 30d windows slide
     * across hundreds of hops (their prefixes drop tiles the eviction already took from the ring), with
     * a late event now and then. Every read equals the full merge.
     */
    @Test
    void readsAfterEachEventAcrossWeeksOfSlidesEqualTheFullMerge() {
        for (long seed = 0; seed < 6; seed++) {
            Random rnd = new Random(seed);
            int perDay = List.of(20, 50, 300).get((int) (seed % 3));
            List<Feature> features = new ArrayList<>();
            for (Aggregation agg : Aggregation.values()) {
                String of = agg == Aggregation.COUNT ? null
                        : agg == Aggregation.APPROX_DISTINCT || agg == Aggregation.TOP_K || agg == Aggregation.LAST_K ? "key" : "amount";
                List<TimeSpan> windows = List.of(TimeSpan.parse("1h"), TimeSpan.parse("1d"), TimeSpan.parse("7d"), TimeSpan.parse("30d"));
                features.add(new Feature(agg.yamlName() + "_f", agg, of, null, windows, null,
                        agg.takesK() ? 3 : 0, agg.takesP() ? 0.95 : Double.NaN, Meta.at(Location.UNKNOWN)));
            }
            GroupAggregator g = GroupAggregator.compile(new FeatureGroup("g", "src", "account", features,
                    Meta.at(Location.UNKNOWN)), LAYOUT);
            EntityTiles e = g.newEntity();
            long spacing = TimeSpan.DAY / perDay;
            long t = T0;
            int keys = perDay * 3;
            int events = (int) Math.min(40L * perDay, 3_000);
            for (int i = 0; i < events; i++) {
                t += 1 + (long) (rnd.nextDouble() * 2 * spacing);
                long time = rnd.nextInt(40) == 0 ? t - 1 - rnd.nextInt((int) (3 * TimeSpan.DAY)) : t - 1;
                Map<String, Object> f = new HashMap<>();
                f.put("amount", rnd.nextBoolean() ? (Object) (rnd.nextInt(50_000) / 100.0) : (Object) (long) rnd.nextInt(500));
                f.put("key", "k" + rnd.nextInt(keys));
                f.put("flag", true);
                g.apply(e, ArrayEvent.fromMap(LAYOUT, f), time, "e" + i);
                g.evict(e, t);
                for (int s = 0; s < g.servedNames().size(); s++) {
                    Object read = g.read(e, t, s);
                    if (i % 3 == 0 || perDay < 300) {
                        assertThat(read).as("%s at event %d (seed %d)", g.servedNames().get(s), i, seed)
                                .isEqualTo(g.readFullMerge(e, t, s));
                    }
                }
            }
        }
    }

    @Test
    void olderTilesModCountChangesOnlyWhenATileBeforeTheHeadDoes() {
        TileRing ring = new TileRing();
        long v = ring.olderTilesModCount();
        ring.getOrCreate(10, 1);
        ring.getOrCreate(10, 1); // the head
        ring.getOrCreate(20, 1); // append a new head
        ring.getOrCreate(20, 1);
        assertThat(ring.olderTilesModCount()).as("head updates and appends").isEqualTo(v);
        ring.getOrCreate(10, 1);
        assertThat(ring.olderTilesModCount()).as("update of an older tile").isNotEqualTo(v);
        v = ring.olderTilesModCount();
        ring.getOrCreate(15, 1);
        assertThat(ring.olderTilesModCount()).as("insert before the head").isNotEqualTo(v);
        v = ring.olderTilesModCount();
        ring.put(20, new Ir[1]);
        assertThat(ring.olderTilesModCount()).as("put").isNotEqualTo(v);
        v = ring.olderTilesModCount();
        ring.evictBefore(5);
        assertThat(ring.olderTilesModCount()).as("eviction that drops nothing").isEqualTo(v);
        long evicted = ring.evictedTiles();
        ring.evictBefore(12);
        assertThat(ring.olderTilesModCount()).as("eviction: positions stay").isEqualTo(v);
        assertThat(ring.evictedTiles()).as("eviction counted").isEqualTo(evicted + 1);
        assertThat(ring.getOrCreate(11, 1)).as("before the horizon: refused").isNull();
        assertThat(ring.olderTilesModCount()).isEqualTo(v);
    }
}

package dev.tessera.core.tile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.Aggregation;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Location;
import dev.tessera.api.Meta;
import dev.tessera.api.TimeSpan;
import dev.tessera.core.dedup.Deduplicator;
import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.oracle.NaiveOracle;
import dev.tessera.core.oracle.OracleAssertions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Every value read from tiles equals the naive oracle, for random adversarial streams: events out of
 * order, late events landing in older tiles after reads, events exactly on hop and window
 * boundaries, duplicate ids (identical re-sends and conflicting events reusing an id, removed by the
 * {@link Deduplicator} on the tile path and by a plain seen-set on the oracle path), many events in one millisecond, missing values, NaN and ±Infinity, very large and
 * negative numbers, empty windows, times before 1970, and eviction between reads.
 *
 * <p>Each try builds a group with one aggregation in several shapes (windows with small explicit
 * hops so boundaries are dense, a default-hop window, a lifetime feature, filters), then alternates
 * "apply a random batch of events older than the next read time, in random order" with "evict, read
 * every served feature, compare with the oracle over exactly the events applied so far".
 */
class TilesMatchOracleTest {
    private static final FieldLayout LAYOUT = FieldLayout.of("amount", "status", "card", "merchant", "flag");

    /** Filters as text for Tessera and as independent Java predicates for the oracle. */
    private static final Map<String, Predicate<NaiveOracle.Ev>> FILTERS = new java.util.LinkedHashMap<>();

    static {
        FILTERS.put("", e -> true);
        FILTERS.put("status == 'DECLINED'", e -> "DECLINED".equals(e.fields().get("status")));
        FILTERS.put("status != 'DECLINED' and flag", e -> e.fields().get("status") != null
                && !"DECLINED".equals(e.fields().get("status")) && Boolean.TRUE.equals(e.fields().get("flag")));
    }

    private record Shape(String window, String hop) {}

    private static final List<Shape> SHAPES = List.of(
            new Shape("10s", "1s"), new Shape("60s", "5s"), new Shape("1h", null), new Shape("2m", "2m"));

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

    /** Cases per aggregation; a failure names its seed, and -Dtessera.seed=N re-runs just that case. */
    static final int CASES = 1000;

    private static void forSeeds(Aggregation agg) {
        String one = System.getProperty("tessera.seed");
        if (one != null) {
            check(agg, Long.parseLong(one));
            return;
        }
        long base = agg.ordinal() * 1_000_003L;
        for (int i = 0; i < CASES; i++) {
            check(agg, base + i);
        }
    }

    private static void check(Aggregation agg, long seed) {
        Random rnd = new Random(seed);
        String of = switch (agg) {
            case COUNT -> rnd.nextBoolean() ? null : "amount";
            case SUM, AVG, MIN, MAX, APPROX_PERCENTILE -> "amount";
            case APPROX_DISTINCT, TOP_K -> rnd.nextBoolean() ? "card" : "merchant";
            default -> rnd.nextInt(3) == 0 ? "amount" : "card";
        };
        int k = agg == Aggregation.LAST_K || agg == Aggregation.TOP_K ? 1 + rnd.nextInt(6) : 0;
        double p = agg == Aggregation.APPROX_PERCENTILE ? List.of(0.01, 0.5, 0.95, 0.99).get(rnd.nextInt(4)) : Double.NaN;

        // One feature per filter; each gets two window shapes, one filter also a lifetime version.
        List<Feature> features = new ArrayList<>();
        List<NaiveOracle.Spec> oracleSpecs = new ArrayList<>();
        List<String> filterTexts = new ArrayList<>(FILTERS.keySet());
        for (int f = 0; f < filterTexts.size(); f++) {
            String where = filterTexts.get(f);
            Shape a = SHAPES.get(rnd.nextInt(SHAPES.size()));
            Shape b = SHAPES.get(rnd.nextInt(SHAPES.size()));
            List<Shape> shapes = a.equals(b) ? List.of(a) : List.of(a, b);
            for (Shape shape : shapes) {
                TimeSpan w = TimeSpan.parse(shape.window);
                TimeSpan hop = shape.hop == null ? null : TimeSpan.parse(shape.hop);
                features.add(new Feature("f" + f + "_" + shape.window + "_" + (shape.hop == null ? "d" : shape.hop),
                        agg, of, where.isEmpty() ? null : where, List.of(w), hop, k, p, Meta.at(Location.UNKNOWN)));
                long hopMillis = hop == null ? w.defaultHop().millis() : hop.millis();
                oracleSpecs.add(new NaiveOracle.Spec(agg.yamlName(), of, FILTERS.get(where), w.millis(), hopMillis, k));
            }
        }
        features.add(new Feature("lifetime", agg, of, null, List.of(), null, k, p, Meta.at(Location.UNKNOWN)));
        oracleSpecs.add(new NaiveOracle.Spec(agg.yamlName(), of, FILTERS.get(""), 0, 0, k));

        FeatureGroup group = new FeatureGroup("g", "src", "account", features, Meta.at(Location.UNKNOWN));
        GroupAggregator ga = GroupAggregator.compile(group, LAYOUT);
        // served name i corresponds to oracle spec i only if each feature serves one name: true here
        assertThat(ga.servedNames()).hasSize(oracleSpecs.size());

        Scenario sc = Scenario.generate(rnd, agg);
        EntityTiles tiles = ga.newEntity();
        Deduplicator dedup = new Deduplicator(365L * 86_400_000L);
        java.util.Set<String> seenIds = new java.util.HashSet<>(); // the oracle's own dedup: first arrival wins
        List<NaiveOracle.Ev> applied = new ArrayList<>();
        List<NaiveOracle.Ev> pending = new ArrayList<>(sc.events);
        for (long t : sc.readTimes) {
            List<NaiveOracle.Ev> batch = new ArrayList<>();
            for (var it = pending.iterator(); it.hasNext(); ) {
                NaiveOracle.Ev e = it.next();
                if (e.time() < t && rnd.nextInt(4) != 0) { // some events stay behind and arrive late
                    batch.add(e);
                    it.remove();
                }
            }
            Collections.shuffle(batch, rnd);
            for (NaiveOracle.Ev e : batch) {
                if (dedup.firstSeen(e.id(), e.time())) {
                    ga.apply(tiles, ArrayEvent.fromMap(LAYOUT, e.fields()), e.time(), e.id());
                }
                if (e.id() == null || seenIds.add(e.id())) {
                    applied.add(e);
                }
            }
            if (rnd.nextBoolean()) {
                ga.evict(tiles, t);
            }
            for (int i = 0; i < oracleSpecs.size(); i++) {
                Object actual = ga.read(tiles, t, i);
                Object expected = NaiveOracle.value(oracleSpecs.get(i), applied, t);
                OracleAssertions.assertMatches(agg, p, k, ga.servedNames().get(i) + " at t=" + t + " (seed " + seed + ")", actual, expected);
            }
        }
    }

    /** Random events and increasing read times built around hop and window boundaries. */
    record Scenario(List<NaiveOracle.Ev> events, long[] readTimes) {
        static Scenario generate(Random rnd, Aggregation agg) {
            long base = rnd.nextInt(5) == 0 ? -86_400_000L * 400 + rnd.nextInt(1_000_000) : 1_764_000_000_000L + rnd.nextInt(86_400_000);
            long[] grid = {1_000, 5_000, 10_000, 60_000, 120_000, 300_000};
            int n = rnd.nextInt(8) == 0 ? 0 : rnd.nextInt(rnd.nextBoolean() ? 12 : 150);
            boolean bigNumbers = rnd.nextInt(4) == 0;
            boolean doubles = rnd.nextBoolean();
            boolean nullIds = rnd.nextInt(6) == 0;
            List<NaiveOracle.Ev> events = new ArrayList<>();
            long sameMs = base + rnd.nextInt(7_200_000);
            for (int i = 0; i < n; i++) {
                long time;
                switch (rnd.nextInt(4)) {
                    case 0 -> time = sameMs; // many events in one millisecond
                    case 1 -> { // exactly on a boundary, or one millisecond either side
                        long g = grid[rnd.nextInt(grid.length)];
                        time = Math.floorDiv(base + rnd.nextInt(7_200_000), g) * g + rnd.nextInt(3) - 1;
                    }
                    default -> time = base + rnd.nextInt(7_200_000);
                }
                Map<String, Object> f = new HashMap<>();
                int r = rnd.nextInt(20);
                Object amount;
                if (r == 0) amount = null;
                else if (r == 1 && doubles) amount = List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY).get(rnd.nextInt(3));
                else if (bigNumbers) amount = doubles && rnd.nextBoolean() ? (rnd.nextDouble() - 0.5) * 1e15 : rnd.nextLong() / (1 + rnd.nextInt(3));
                else if (doubles && rnd.nextBoolean()) amount = Math.round((rnd.nextDouble() * 2000 - 500) * 100) / 100.0;
                else amount = (long) (rnd.nextInt(2000) - 500);
                if (nullIds && amount instanceof Double) amount = (double) Math.round((Double) amount); // keep ties decidable
                f.put("amount", amount);
                f.put("status", rnd.nextInt(10) == 0 ? null : rnd.nextInt(3) == 0 ? "DECLINED" : "APPROVED");
                int cards = rnd.nextInt(3) == 0 ? 400 : 12;
                f.put("card", rnd.nextInt(15) == 0 ? null : "card-" + (int) Math.floor(Math.pow(rnd.nextDouble(), 2) * cards));
                f.put("merchant", "m" + rnd.nextInt(1 + rnd.nextInt(9)));
                f.put("flag", rnd.nextInt(4) != 0);
                events.add(new NaiveOracle.Ev(time, nullIds ? null : "e" + i, f));
            }
            if (!nullIds && n > 0) { // re-sent copies, and conflicting events reusing an id
                int copies = rnd.nextInt(1 + n / 4);
                for (int i = 0; i < copies; i++) {
                    NaiveOracle.Ev original = events.get(rnd.nextInt(n));
                    events.add(rnd.nextInt(3) > 0 ? original : new NaiveOracle.Ev(original.time() + rnd.nextInt(5_000),
                            original.id(), Map.of("amount", 1L, "status", "DECLINED", "card", "dup", "merchant", "dup",
                            "flag", true)));
                }
            }
            int reads = 1 + rnd.nextInt(5);
            long[] readTimes = new long[reads];
            long t = base + rnd.nextInt(3_600_000);
            for (int i = 0; i < reads; i++) {
                long g = grid[rnd.nextInt(grid.length)];
                long candidate = rnd.nextBoolean() ? Math.floorDiv(t, g) * g + rnd.nextInt(3) - 1 : t;
                readTimes[i] = i == 0 ? candidate : Math.max(readTimes[i - 1] + 1, candidate);
                t += rnd.nextInt(3_000_000);
            }
            readTimes[reads - 1] = Math.max(readTimes[reads - 1], base + 7_200_001 + rnd.nextInt(3_600_000));
            return new Scenario(events, readTimes);
        }
    }
}

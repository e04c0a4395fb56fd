package dev.tessera.core.tile;

import static dev.tessera.core.tile.GroupAggregatorTest.LAYOUT;
import static dev.tessera.core.tile.GroupAggregatorTest.T0;
import static dev.tessera.core.tile.GroupAggregatorTest.feature;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.Aggregation;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Location;
import dev.tessera.api.Meta;
import dev.tessera.api.TimeSpan;
import dev.tessera.core.event.ArrayEvent;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * ADR 012: rings that keep count, sum and avg slots as words ({@link RingLayout}) hold exactly what
 * rings of IR objects hold. The same random stream (on-time and late events, integer, double, huge
 * and non-numeric values, filtered slots, evictions, copies, tiles put back from their encoding as
 * a store load does) goes to an entity of each layout; after every step each tile's encoding must
 * be byte for byte the same in both, as must every served read and the change flags a commit
 * writes by. The objects layout is the one every engine used before the words, so the stored bytes
 * and the reads of this release equal the previous one's.
 */
class TileLayoutEquivalenceTest {
    private static final List<Feature> FEATURES = List.of(
            feature("payment_count", Aggregation.COUNT, null, null, "1m", "10m", "1h"),
            feature("declined_count", Aggregation.COUNT, null, "status == 'DECLINED'", "10m", "1h"),
            feature("amount_count", Aggregation.COUNT, "amount", null, "10m"),
            feature("amount_sum", Aggregation.SUM, "amount", null, "1m", "10m", "1h"),
            feature("declined_sum", Aggregation.SUM, "amount", "status == 'DECLINED'", "1h"),
            feature("amount_avg", Aggregation.AVG, "amount", null, "10m", "1h"),
            feature("amount_max", Aggregation.MAX, "amount", null, "10m"),
            new Feature("recent_cards", Aggregation.LAST_K, "card", null, List.of(TimeSpan.parse("1h")), null, 3, Double.NaN,
                    Meta.at(Location.UNKNOWN)),
            feature("total", Aggregation.SUM, "amount", null));

    @Test
    void wordsHoldWhatObjectsHold() {
        GroupAggregator g = GroupAggregator.compile(new FeatureGroup("g", "payments", "account", FEATURES,
                Meta.at(Location.UNKNOWN)), LAYOUT);
        int fixedRings = 0;
        for (int h = 0; h < g.hopCount(); h++) {
            fixedRings += g.newEntity().ring(h).layout().words > 0 ? 1 : 0;
        }
        assertThat(fixedRings).as("rings with words").isEqualTo(g.hopCount());
        for (long seed = 0; seed < 150; seed++) {
            check(g, seed);
        }
    }

    private static void check(GroupAggregator g, long seed) {
        Random rnd = new Random(seed);
        EntityTiles words = g.newEntity();
        EntityTiles objects = g.newEntityWithObjectSlots();
        long clock = T0 + rnd.nextInt(60_000);
        for (int step = 0; step < 300; step++) {
            int action = rnd.nextInt(100);
            String where = "seed " + seed + " step " + step;
            if (action < 80) {
                long time = action < 65 ? clock - rnd.nextInt(5_000) : clock - rnd.nextInt((int) TimeSpan.HOUR);
                ArrayEvent e = new ArrayEvent(new Object[] {value(rnd), rnd.nextInt(4) == 0 ? "DECLINED" : "APPROVED",
                        "card" + rnd.nextInt(6)});
                int a = g.apply(words, e, time, "e" + step);
                int b = g.apply(objects, e, time, "e" + step);
                assertThat(a).as(where).isEqualTo(b);
                clock += rnd.nextInt(3_000);
            } else if (action < 85) {
                long t = clock - rnd.nextInt((int) TimeSpan.HOUR);
                assertThat(g.evict(words, t)).as(where).isEqualTo(g.evict(objects, t));
            } else if (action < 90) {
                words = words.copy();
                objects = objects.copy();
            } else if (action < 95) { // a tile put back from its encoding, as a store load does
                int h = rnd.nextInt(g.hopCount());
                TileRing ring = words.ring(h);
                if (ring.size() > 0) {
                    int i = rnd.nextInt(ring.size());
                    ring.put(ring.startOf(i), TileCodec.decode(g, h, TileCodec.encode(g, h, ring.tileAt(i))));
                    TileRing other = objects.ring(h);
                    other.put(other.startOf(i), TileCodec.decode(g, h, TileCodec.encode(g, h, other.tileAt(i))));
                }
            } else if (action < 97) {
                for (int h = 0; h < g.hopCount(); h++) {
                    words.ring(h).clearChanged();
                    objects.ring(h).clearChanged();
                }
            } else {
                clock += TimeSpan.MINUTE * (1 + rnd.nextInt(30));
            }
            assertSame(g, words, objects, clock, where);
        }
    }

    private static Object value(Random rnd) {
        return switch (rnd.nextInt(8)) {
            case 0 -> null;
            case 1 -> "not a number";
            case 2 -> Long.MAX_VALUE / 3 * (rnd.nextBoolean() ? 1 : -1); // sums past the long range
            case 3, 4 -> rnd.nextDouble() * 1e6 - 1e3;
            case 5 -> Double.NaN;
            default -> (long) rnd.nextInt(10_000) - 100;
        };
    }

    private static void assertSame(GroupAggregator g, EntityTiles words, EntityTiles objects, long clock, String where) {
        for (int h = 0; h < g.hopCount(); h++) {
            TileRing a = words.ring(h);
            TileRing b = objects.ring(h);
            assertThat(a.size()).as(where + " ring " + h).isEqualTo(b.size());
            assertThat(a.firstChanged()).as(where + " ring " + h).isEqualTo(b.firstChanged());
            for (int i = 0; i < a.size(); i++) {
                assertThat(a.startOf(i)).as(where).isEqualTo(b.startOf(i));
                assertThat(a.changed(i)).as(where + " changed " + i).isEqualTo(b.changed(i));
                byte[] expected = TileCodec.encode(g, h, b.tileAt(i));
                assertThat(TileCodec.encode(g, h, a.tileAt(i))).as(where + " ring " + h + " tile " + i).isEqualTo(expected);
                assertThat(TileCodec.encode(g, h, a, i)).as(where + " ring " + h + " tile " + i + ", commit path").isEqualTo(expected);
                assertThat(TileCodec.encode(g, h, b, i)).as(where + " ring " + h + " tile " + i + ", commit path").isEqualTo(expected);
            }
        }
        for (long t : new long[] {clock, clock + 1, clock - TimeSpan.MINUTE}) {
            for (int f = 0; f < g.servedNames().size(); f++) {
                String name = where + " " + g.servedNames().get(f) + " at " + t;
                Object expected = g.readFullMerge(objects, t, f);
                assertThat(g.readFullMerge(words, t, f)).as(name).isEqualTo(expected);
                assertThat(g.read(words, t, f)).as(name).isEqualTo(expected);
            }
        }
    }
}

package dev.tessera.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.core.tile.EntityTiles;
import dev.tessera.core.tile.GroupAggregator;
import dev.tessera.core.tile.TileRing;
import java.util.Map;
import java.util.Random;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The keyed state's serializer, as a checkpoint and a restore use it: an entity (the examples'
 * {@code account_payments}, every aggregation kind) serialized and read back reads the same
 * values at every time, keeps its newest event time, dedup ids and eviction timer, and — when it
 * had unwritten changes — comes back with every tile flagged changed, so its next flush writes all
 * of it; a clean one comes back with none flagged. {@code copy} is a deep copy.
 */
class FlinkEntitySerializerTest {
    @Test
    void aSnapshotRestoresTheSameValuesIdsAndChangeFlags() throws Exception {
        Definitions defs = DefinitionLoader.load(FlinkTests.EXAMPLES);
        FeatureGroup group = defs.groups().get("account_payments");
        Source source = defs.source(group.source()).orElseThrow();
        FieldLayout layout = SourceFields.layout(defs, source);
        GroupAggregator agg = GroupAggregator.compile(group, layout);

        FlinkEntity e = FlinkEntity.empty(agg);
        Random rnd = new Random(1);
        long t0 = 1_790_000_000_000L;
        for (int i = 0; i < 500; i++) {
            long t = t0 + i * 37_000L + rnd.nextInt(600_000);
            Object[] values = new Object[layout.size()];
            for (Map.Entry<String, Integer> f : Map.of("amount", 0, "card_fingerprint", 1, "merchant_id", 2, "status", 3,
                    "country", 4).entrySet()) {
                int slot = layout.slot(f.getKey());
                if (slot >= 0) {
                    values[slot] = switch (f.getValue()) {
                        case 0 -> (double) rnd.nextInt(10_000) / 100;
                        case 1 -> "card-" + rnd.nextInt(20);
                        case 2 -> "m-" + rnd.nextInt(7);
                        case 3 -> rnd.nextInt(5) == 0 ? "DECLINED" : "APPROVED";
                        default -> "US";
                    };
                }
            }
            String id = "p" + i;
            assertThat(e.firstSeen(id, t)).isTrue();
            agg.apply(e.tiles(agg), new ArrayEvent(values), t, id);
            e.maxEventTime = Math.max(e.maxEventTime, t);
        }
        assertThat(e.firstSeen("p7", t0)).as("a duplicate").isFalse();
        e.evictionTimer = 123_456L;

        for (boolean dirty : new boolean[] {true, false}) {
            e.dirty = dirty;
            FlinkEntity back = roundTrip(e);
            assertThat(back.maxEventTime).isEqualTo(e.maxEventTime);
            assertThat(back.evictionTimer).isEqualTo(123_456L);
            assertThat(back.dirty).isEqualTo(dirty);
            assertThat(back.idCount()).isEqualTo(500);
            FlinkEntity probe = roundTrip(back);
            for (int i = 0; i < 500; i++) {
                assertThat(probe.firstSeen("p" + i, t0)).as("p%d is remembered", i).isFalse();
            }
            assertThat(probe.firstSeen("p500", t0)).isTrue();
            EntityTiles tiles = back.tiles(agg);
            assertThat(tiles.tileCount()).isEqualTo(e.tiles(agg).tileCount()).isGreaterThan(20);
            for (long t = t0; t < e.maxEventTime + 40L * 86_400_000L; t += 3_600_000L) {
                assertThat(agg.readAll(tiles, t)).as("values at %d", t).isEqualTo(agg.readAll(e.tiles(agg), t));
            }
            for (int h = 0; h < agg.hopCount(); h++) {
                TileRing ring = tiles.ring(h);
                for (int i = 0; i < ring.size(); i++) {
                    assertThat(ring.changed(i)).as("ring %d tile %d changed after a %s snapshot", h, i, dirty ? "dirty" : "clean")
                            .isEqualTo(dirty);
                }
            }
        }

        // copy-on-write: a deep copy with the same change flags; what either side does later leaves the other as it was
        e.dirty = true;
        e.tiles(agg).ring(0).clearChanged();
        apply(agg, layout, e, rnd, "late-1", t0 + 5_000L); // flags one old tile of each ring
        FlinkEntity copy = FlinkEntitySerializer.INSTANCE.copy(e);
        assertThat(copy).isNotSameAs(e);
        assertThat(copy.dirty).isTrue();
        assertThat(copy.maxEventTime).isEqualTo(e.maxEventTime);
        assertThat(copy.evictionTimer).isEqualTo(e.evictionTimer);
        assertThat(changeFlags(copy.tiles(agg))).as("change flags kept, not all set").isEqualTo(changeFlags(e.tiles(agg)))
                .contains("0").contains("1");
        long readAt = e.maxEventTime + 1;
        Map<String, Object> before = agg.readAll(e.tiles(agg), readAt);
        assertThat(agg.readAll(copy.tiles(agg), readAt)).isEqualTo(before);
        for (int i = 0; i < 50; i++) {
            apply(agg, layout, e, rnd, "after-" + i, e.maxEventTime - rnd.nextInt(3_600_000));
        }
        assertThat(agg.readAll(e.tiles(agg), readAt)).as("the original moved on").isNotEqualTo(before);
        assertThat(agg.readAll(copy.tiles(agg), readAt)).as("the copy did not").isEqualTo(before);
        assertThat(copy.firstSeen("after-0", t0)).as("the copy's ids are its own").isTrue();
        assertThat(e.firstSeen("copy-only", t0)).isTrue();
        assertThat(copy.idCount()).as("its 501 and after-0").isEqualTo(502);
        apply(agg, layout, copy, rnd, "copy-2", e.maxEventTime);
        assertThat(agg.readAll(e.tiles(agg), readAt)).as("nor the other way round")
                .isEqualTo(agg.readAll(roundTrip(e).tiles(agg), readAt));

        // an entity restored but not yet decoded copies its bytes
        FlinkEntity restored = roundTrip(e);
        FlinkEntity restoredCopy = FlinkEntitySerializer.INSTANCE.copy(restored);
        assertThat(agg.readAll(restoredCopy.tiles(agg), readAt)).isEqualTo(agg.readAll(e.tiles(agg), readAt));
        assertThat(restoredCopy.idCount()).isEqualTo(e.idCount());
    }

    private static void apply(GroupAggregator agg, FieldLayout layout, FlinkEntity e, Random rnd, String id, long t) {
        Object[] values = new Object[layout.size()];
        values[layout.slot("amount")] = (double) rnd.nextInt(10_000) / 100;
        values[layout.slot("merchant_id")] = "m-" + rnd.nextInt(50);
        values[layout.slot("card_fingerprint")] = "card-" + rnd.nextInt(30);
        if (e.firstSeen(id, t)) {
            agg.apply(e.tiles(agg), new ArrayEvent(values), t, id);
            e.maxEventTime = Math.max(e.maxEventTime, t);
        }
    }

    /** Each ring's change flags as a string of 0 and 1. */
    private static String changeFlags(EntityTiles tiles) {
        StringBuilder b = new StringBuilder();
        for (int h = 0; h < tiles.hopCount(); h++) {
            TileRing ring = tiles.ring(h);
            for (int i = 0; i < ring.size(); i++) {
                b.append(ring.changed(i) ? '1' : '0');
            }
            b.append('|');
        }
        return b.toString();
    }

    /** A snapshot of the first state format (ids as strings) still restores, its ids hashed on the way in. */
    @Test
    void aSnapshotWithStringIdsRestores() throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(256);
        out.writeByte(1);
        out.writeLong(1_000L);
        out.writeBoolean(false);
        out.writeLong(Long.MIN_VALUE);
        out.writeInt(3);
        for (String id : new String[] {"a", "b", "ü-ñ"}) {
            org.apache.flink.types.StringValue.writeString(id, out);
            out.writeLong(900L);
        }
        out.writeInt(0);
        FlinkEntity back = FlinkEntitySerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back.maxEventTime).isEqualTo(1_000L);
        assertThat(back.idCount()).isEqualTo(3);
        assertThat(back.firstSeen("ü-ñ", 950L)).isFalse();
        assertThat(back.firstSeen("a", 950L)).isFalse();
        assertThat(back.firstSeen("c", 950L)).isTrue();
        back.expireIds(901L);
        assertThat(back.idCount()).as("a, b and ü-ñ (time 900) expire; c (950) stays").isEqualTo(1);
    }

    private static FlinkEntity roundTrip(FlinkEntity e) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(1024);
        FlinkEntitySerializer.INSTANCE.serialize(e, out);
        return FlinkEntitySerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }
}

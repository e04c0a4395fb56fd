package dev.tessera.core.tile;

import static dev.tessera.core.tile.GroupAggregatorTest.T0;
import static dev.tessera.core.tile.GroupAggregatorTest.event;
import static dev.tessera.core.tile.GroupAggregatorTest.feature;
import static dev.tessera.core.tile.GroupAggregatorTest.group;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.Aggregation;
import dev.tessera.core.agg.Ir;
import dev.tessera.core.codec.CorruptDataException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TileCodecTest {
    /**
     * A version-1 tile written on 2026-11-26 (count 2, sum 7 in one 1h tile); must stay readable:
     * version 01 | 02 slots | fingerprint(count) 55fdf2cd94a3a9b4, 2 bytes: count IR 01 02 |
     * fingerprint(sum of amount) e044d8f76b329f5c, 4 bytes: sum IR 01 00 02 0e.
     */
    private static final String GOLDEN_V1 = "01" + "02" + "55fdf2cd94a3a9b4" + "02" + "0102"
            + "e044d8f76b329f5c" + "04" + "0100020e";
    /**
     * The same tile in version 2, as written since: version 02 | the id of the layout (count, sum of
     * amount) da041ab451260cd6 | 02 slots | 2 bytes: count IR 01 02 | 4 bytes: sum IR 01 00 02 0e.
     */
    private static final String LAYOUT = "da041ab451260cd6";
    private static final String GOLDEN = "02" + LAYOUT + "02" + "02" + "0102" + "04" + "0100020e";

    private static GroupAggregator countAndSum() {
        return group(feature("n", Aggregation.COUNT, null, null, "1d"),
                feature("s", Aggregation.SUM, "amount", null, "1d"));
    }

    @Test
    void goldenBytesStayReadable() {
        GroupAggregator g = countAndSum();
        EntityTiles e = g.newEntity();
        g.apply(e, event(3L, "A"), T0, "a");
        g.apply(e, event(4L, "A"), T0 + 1, "b");
        byte[] bytes = TileCodec.encode(g, 0, e.ring(0).tileAt(0));
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(GOLDEN);
        assertThat(TileLayouts.idOf(new long[] {0x55fdf2cd94a3a9b4L, 0xe044d8f76b329f5cL}))
                .isEqualTo(Long.parseUnsignedLong(LAYOUT, 16)); // the id is a function of the fingerprints alone
        for (String golden : new String[] {GOLDEN, GOLDEN_V1}) {
            Ir[] decoded = TileCodec.decode(g, 0, HexFormat.of().parseHex(golden));
            assertThat(decoded[0].result()).isEqualTo(2L);
            assertThat(decoded[1].result()).isEqualTo(7L);
        }
    }

    @Test
    void roundTripKeepsEveryServedValue() {
        GroupAggregator g = group(
                feature("n", Aggregation.COUNT, null, "status == 'DECLINED'", "1h", "1d"),
                feature("s", Aggregation.SUM, "amount", null, "1d"),
                feature("mx", Aggregation.MAX, "amount", null, "1h"),
                feature("d", Aggregation.APPROX_DISTINCT, "amount", null, "1d"),
                feature("last", Aggregation.LAST, "amount", null));
        Random rnd = new Random(3);
        for (int round = 0; round < 200; round++) {
            EntityTiles e = g.newEntity();
            for (int i = 0; i < rnd.nextInt(40); i++) {
                g.apply(e, event(rnd.nextBoolean() ? (Object) (long) rnd.nextInt(100) : rnd.nextDouble(),
                        rnd.nextBoolean() ? "DECLINED" : "OK"), T0 + rnd.nextInt(86_400_000), "e" + i);
            }
            EntityTiles copy = g.newEntity();
            for (int h = 0; h < g.hopCount(); h++) {
                TileRing ring = e.ring(h);
                for (int i = 0; i < ring.size(); i++) {
                    copy.ring(h).put(ring.startOf(i), TileCodec.decode(g, h, TileCodec.encode(g, h, ring.tileAt(i))));
                }
            }
            long t = T0 + 86_400_000L;
            assertThat(g.readAll(copy, t)).as("round %d", round).isEqualTo(g.readAll(e, t));
        }
    }

    @Test
    void tilesSurviveDefinitionChanges() {
        GroupAggregator before = countAndSum();
        EntityTiles e = before.newEntity();
        before.apply(e, event(3L, "A"), T0, "a");
        byte[] bytes = TileCodec.encode(before, 0, e.ring(0).tileAt(0));

        // sum removed, max added, count kept: count keeps its state, max starts empty, sum is dropped
        GroupAggregator after = group(feature("mx", Aggregation.MAX, "amount", null, "1d"),
                feature("n", Aggregation.COUNT, null, null, "1d"));
        // the writer's layout, as a reader registers it from the store (stored and read back)
        TileLayouts stored = new TileLayouts();
        for (long[] layout : before.layouts()) {
            stored.add(TileLayouts.decode(TileLayouts.encode(layout)));
        }
        for (byte[] written : new byte[][] {bytes, HexFormat.of().parseHex(GOLDEN_V1)}) {
            Ir[] tile = TileCodec.decode(after, 0, written, stored);
            assertThat(tile[0]).isNull();
            assertThat(tile[1].result()).isEqualTo(written == bytes ? 1L : 2L);
        }
        // without the writer's layout, a version-2 tile cannot be matched: a clear error, not a wrong value
        assertThatThrownBy(() -> TileCodec.decode(after, 0, bytes, new TileLayouts()))
                .isInstanceOf(CorruptDataException.class).hasMessageContaining("slot layout")
                .hasMessageContaining("tile-layout record is missing");
    }

    @Test
    void corruptTilesFailClearly() {
        GroupAggregator g = countAndSum();
        EntityTiles e = g.newEntity();
        g.apply(e, event(3L, "A"), T0, "a");
        byte[] good = TileCodec.encode(g, 0, e.ring(0).tileAt(0));
        assertThatThrownBy(() -> TileCodec.decode(g, 0, new byte[] {7})).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("version 7");
        for (int cut = 1; cut < good.length; cut++) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertThatThrownBy(() -> TileCodec.decode(g, 0, truncated)).as("cut at %d", cut)
                    .isInstanceOf(CorruptDataException.class);
        }
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> TileCodec.decode(g, 0, trailing)).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("trailing");
    }
}

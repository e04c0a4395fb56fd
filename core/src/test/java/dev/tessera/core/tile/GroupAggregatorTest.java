package dev.tessera.core.tile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.Aggregation;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Location;
import dev.tessera.api.Meta;
import dev.tessera.api.TimeSpan;
import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.event.FieldLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GroupAggregatorTest {
    static final FieldLayout LAYOUT = FieldLayout.of("amount", "status", "card");
    static final long H = TimeSpan.HOUR;
    static final long T0 = 1_764_000_000_000L - 1_764_000_000_000L % TimeSpan.DAY; // a day boundary

    static Feature feature(String name, Aggregation agg, String of, String where, String... windows) {
        List<TimeSpan> w = new ArrayList<>();
        for (String s : windows) {
            w.add(TimeSpan.parse(s));
        }
        return new Feature(name, agg, of, where, w, null, 0, Double.NaN, Meta.at(Location.UNKNOWN));
    }

    static GroupAggregator group(Feature... features) {
        return GroupAggregator.compile(new FeatureGroup("g", "payments", "account", List.of(features),
                Meta.at(Location.UNKNOWN)), LAYOUT);
    }

    static ArrayEvent event(Object amount, String status) {
        return new ArrayEvent(new Object[] {amount, status, null});
    }

    @Test
    void servedNamesFollowDeclarationOrder() {
        GroupAggregator g = group(
                feature("payment_count", Aggregation.COUNT, null, null, "10m", "1h", "1d", "7d"),
                feature("declined_count", Aggregation.COUNT, null, "status == 'DECLINED'", "1h"),
                feature("last_amount", Aggregation.LAST, "amount", null));
        assertThat(g.servedNames()).containsExactly("payment_count_10m", "payment_count_1h", "payment_count_1d",
                "payment_count_7d", "declined_count_1h", "last_amount");
        assertThat(g.servedIndex("declined_count_1h")).isEqualTo(4);
        assertThat(g.servedIndex("nope")).isEqualTo(-1);
    }

    @Test
    void windowsSharingAHopShareTiles() {
        // 1d and 7d both use 1h hops; 10m uses 10s; 1h uses 5m: three rings, and one event makes one tile in each.
        GroupAggregator g = group(feature("payment_count", Aggregation.COUNT, null, null, "10m", "1h", "1d", "7d"));
        assertThat(g.hopCount()).isEqualTo(3);
        EntityTiles e = g.newEntity();
        g.apply(e, event(5L, "APPROVED"), T0 + 123, "a");
        assertThat(e.tileCount()).isEqualTo(3);
        assertThat(g.readAll(e, T0 + 124)).containsExactly(Map.entry("payment_count_10m", 1L),
                Map.entry("payment_count_1h", 1L), Map.entry("payment_count_1d", 1L), Map.entry("payment_count_7d", 1L));
    }

    @Test
    void sawtoothWindowStartIsAlignedDownToTheHop() {
        // 1h window, 5m hop, read at T0 + 1h + 7m: covers events from floor_5m(T0 + 7m) = T0 + 5m.
        GroupAggregator g = group(feature("n", Aggregation.COUNT, null, null, "1h"));
        EntityTiles e = g.newEntity();
        long[] times = {T0 + 5 * 60_000 - 1, T0 + 5 * 60_000, T0 + 6 * 60_000, T0 + H + 7 * 60_000 - 1};
        for (long t : times) {
            g.apply(e, event(1L, "A"), t, "id" + t);
        }
        long readAt = T0 + H + 7 * 60_000;
        assertThat(g.read(e, readAt, 0)).isEqualTo(3L); // the event 1 ms before T0+5m is out
        // 3 minutes later the start has moved to floor_5m(T0 + 10m) = T0 + 10m: only the last event is left
        assertThat(g.read(e, readAt + 3 * 60_000, 0)).isEqualTo(1L);
        assertThat(g.read(e, readAt + 3 * 60_000 - 1, 0)).isEqualTo(3L); // still T0 + 5m one ms earlier
    }

    @Test
    void emptyWindowsGiveTheSpecEmptyValues() {
        GroupAggregator g = group(
                feature("c", Aggregation.COUNT, null, null, "1h"),
                feature("s", Aggregation.SUM, "amount", null, "1h"),
                feature("a", Aggregation.AVG, "amount", null, "1h"),
                feature("l", Aggregation.LAST, "amount", null));
        EntityTiles e = g.newEntity();
        Map<String, Object> values = g.readAll(e, T0);
        assertThat(values.keySet()).containsExactly("c_1h", "s_1h", "a_1h", "l");
        assertThat(values.get("c_1h")).isEqualTo(0L);
        assertThat(values.get("s_1h")).isEqualTo(0L);
        assertThat(values.get("a_1h")).isNull();
        assertThat(values.get("l")).isNull();
    }

    @Test
    void nonFiniteValuesAreSkippedAndCounted() {
        GroupAggregator g = group(feature("s", Aggregation.SUM, "amount", null, "1h"),
                feature("n", Aggregation.COUNT, "amount", null, "1h"));
        EntityTiles e = g.newEntity();
        assertThat(g.apply(e, event(Double.NaN, "A"), T0, "1")).isEqualTo(2); // seen by both specs
        assertThat(g.apply(e, event(Double.POSITIVE_INFINITY, "A"), T0, "2")).isEqualTo(2);
        assertThat(g.apply(e, event(2.5, "A"), T0, "3")).isZero();
        assertThat(g.apply(e, event(null, "A"), T0, "4")).isZero();
        assertThat(g.readAll(e, T0 + 1)).containsExactly(Map.entry("s_1h", 2.5), Map.entry("n_1h", 1L));
    }

    @Test
    void evictionBoundsStateAndNeverChangesLaterReads() {
        GroupAggregator g = group(feature("n", Aggregation.COUNT, null, null, "1h", "1d"),
                feature("total", Aggregation.COUNT, null, null));
        EntityTiles e = g.newEntity();
        for (int i = 0; i < 30 * 24; i++) { // one event an hour for 30 days
            g.apply(e, event(1L, "A"), T0 + i * H, "e" + i);
            g.evict(e, T0 + i * H);
        }
        // 1h ring: at most 1d/1h + 1 tiles; 5m ring: at most 1h/5m + 1; lifetime: 1.
        assertThat(e.tileCount()).isLessThanOrEqualTo(25 + 13 + 1);
        long t = T0 + 30 * 24 * H;
        assertThat(g.readAll(e, t)).containsExactly(Map.entry("n_1h", 1L), Map.entry("n_1d", 24L),
                Map.entry("total", 720L));
        // a late event before the horizon is refused rather than resurrecting an evicted tile
        int before = e.tileCount();
        g.apply(e, event(1L, "A"), T0, "late");
        assertThat(e.tileCount()).isEqualTo(before);
        assertThat(g.read(e, t, 2)).isEqualTo(721L); // lifetime still counts it
    }

    @Test
    void tilesTrackWhatChangedSinceTheLastClear() {
        GroupAggregator g = group(feature("n", Aggregation.COUNT, null, null, "1h"));
        EntityTiles e = g.newEntity();
        TileRing ring = e.ring(0);
        g.apply(e, event(1L, "A"), T0 + 10 * 60_000, "a");
        g.apply(e, event(1L, "A"), T0, "b"); // an older tile, inserted before the first
        assertThat(ring.size()).isEqualTo(2);
        assertThat(ring.changed(0)).isTrue();
        assertThat(ring.changed(1)).isTrue();
        ring.clearChanged();
        g.apply(e, event(1L, "A"), T0 + 1, "c"); // updates the first tile only
        assertThat(ring.changed(0)).isTrue();
        assertThat(ring.changed(1)).isFalse();
        g.apply(e, event(1L, "A"), T0 + 5 * 60_000, "d"); // a new tile in the middle shifts the flags with the tiles
        assertThat(ring.startOf(1)).isEqualTo(T0 + 5 * 60_000);
        assertThat(new boolean[] {ring.changed(0), ring.changed(1), ring.changed(2)}).containsExactly(true, true, false);
        g.evict(e, T0 + 60 * 60_000 + 5 * 60_000); // drops the tile at T0: flags move with the rest
        assertThat(ring.size()).isEqualTo(2);
        assertThat(new boolean[] {ring.changed(0), ring.changed(1)}).containsExactly(true, false);
        ring.clearChanged();
        g.apply(e, event(1L, "A"), T0 + 30 * 60_000, "e"); // appending a new head demotes the old one: both to write
        assertThat(ring.size()).isEqualTo(3);
        assertThat(new boolean[] {ring.changed(0), ring.changed(1), ring.changed(2)}).containsExactly(false, true, true);
    }

    @Test
    void featuresDifferingOnlyInWindowsShareOneSpec() {
        GroupAggregator g = group(feature("a", Aggregation.SUM, "amount", null, "1d"),
                feature("b", Aggregation.SUM, "amount", null, "7d"),
                feature("c", Aggregation.SUM, "amount", "status == 'X'", "1d"));
        // hop 1h holds a/b's shared spec and c's: two slots
        assertThat(g.hopCount()).isEqualTo(1);
        assertThat(g.slotAggregators(0)).hasSize(2);
    }

    @Test
    void requiredFieldsAreOfAndFilterFields() {
        FeatureGroup fg = new FeatureGroup("g", "payments", "account", List.of(
                feature("a", Aggregation.SUM, "amount", "status == 'X' and card is not null", "1d"),
                feature("b", Aggregation.COUNT, null, "country in ('US', 'CA')", "1d")), Meta.at(Location.UNKNOWN));
        assertThat(GroupAggregator.requiredFields(fg)).containsExactly("amount", "status", "card", "country");
    }
}

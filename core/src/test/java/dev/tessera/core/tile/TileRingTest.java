package dev.tessera.core.tile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.core.agg.Ir;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A ring's tiles against a sorted map, for streams of tile starts that mostly grow and sometimes go
 * back a few tiles or far, or follow a lagging partition's own order (late events: the search
 * from the head, then the binary search), with
 * evictions: the same tile for the same start, starts strictly increasing, nothing before the horizon;
 * and the tiles flagged changed (what a commit writes) against a set of starts kept by the class's rules.
 */
class TileRingTest {
    @Test
    void lateTilesAreFoundAndInsertedInOrder() {
        for (long seed = 0; seed < 300; seed++) {
            Random random = new Random(seed);
            TileRing ring = new TileRing();
            TreeMap<Long, Ir[]> oracle = new TreeMap<>();
            java.util.TreeSet<Long> changed = new java.util.TreeSet<>();
            long head = random.nextInt(100);
            long lagging = head - 30;
            long horizon = Long.MIN_VALUE;
            for (int i = 0; i < 400; i++) {
                long start;
                int kind = random.nextInt(10);
                if (kind < 4) {
                    head += random.nextInt(3);
                    start = head;
                } else if (kind < 6) { // a lagging partition: its own time order, behind the head
                    lagging = Math.min(head, lagging + random.nextInt(3));
                    if (random.nextInt(40) == 0) {
                        lagging = head - random.nextInt(100);
                    }
                    start = lagging;
                } else if (kind < 9) {
                    start = head - random.nextInt(12);
                } else {
                    start = head - random.nextInt(200);
                }
                Long headBefore = oracle.isEmpty() ? null : oracle.lastKey();
                Ir[] tile = ring.getOrCreate(start, 1);
                if (start < horizon) {
                    assertThat(tile).as("seed %d: before the horizon", seed).isNull();
                    continue;
                }
                changed.add(start);
                if (headBefore != null && start > headBefore) {
                    changed.add(headBefore); // a demoted head
                }
                Ir[] known = oracle.putIfAbsent(start, tile);
                if (known != null) {
                    assertThat(tile).as("seed %d start %d", seed, start).isSameAs(known);
                }
                if (random.nextInt(60) == 0) {
                    long cut = head - random.nextInt(50);
                    ring.evictBefore(cut);
                    horizon = Math.max(horizon, cut);
                    oracle.headMap(horizon).clear();
                    changed.headSet(horizon).clear();
                }
                if (random.nextInt(25) == 0) {
                    ring.clearChanged();
                    changed.clear();
                }
                for (int j = 0; j < ring.firstChanged(); j++) {
                    assertThat(changed.contains(ring.startOf(j))).as("seed %d step %d: tile %d before firstChanged %d", seed, i, j, ring.firstChanged()).isFalse();
                }
                for (int j = 0; j < ring.size(); j++) {
                    assertThat(ring.changed(j)).as("seed %d step %d tile %d", seed, i, j).isEqualTo(changed.contains(ring.startOf(j)));
                }
                assertThat(ring.size()).as("seed %d", seed).isEqualTo(oracle.size());
            }
            int i = 0;
            for (var e : oracle.entrySet()) {
                assertThat(ring.startOf(i)).as("seed %d index %d", seed, i).isEqualTo(e.getKey());
                assertThat(ring.tileAt(i)).isSameAs(e.getValue());
                i++;
            }
        }
    }
}

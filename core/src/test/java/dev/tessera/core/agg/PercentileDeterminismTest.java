package dev.tessera.core.agg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.Aggregation;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.junit.jupiter.api.Test;

/**
 * approx_percentile answers the same for the same inputs, even past the exact buffer where KLL
 * compacts with coin flips: two reads of one window (merging the same tiles) give the same value
 * and the same bytes, whatever other KLL work ran in between (DataSketches draws the flips from
 * one JVM-wide Random; see {@link KllRandomness}), and whatever order the tiles' exact buffers are in.
 */
class PercentileDeterminismTest {
    @Test
    void theSameInputsGiveTheSameSketchAndAnswer() {
        assertThat(KllRandomness.available()).as("KllSketch.random found (DataSketches upgrade?)").isTrue();
        Aggregator agg = Aggregators.create(Aggregation.APPROX_PERCENTILE, 0, 0.95);
        for (long seed = 1; seed <= 20; seed++) {
            List<Ir> tiles = tiles(agg, seed);
            byte[] first = null;
            Object firstResult = null;
            for (int read = 0; read < 3; read++) {
                disturb(seed * 100 + read); // other sketches compacting in between, as other entities do
                Ir window = agg.newIr();
                tiles.forEach(window::merge);
                byte[] bytes = IrPipeline.encode(window);
                if (first == null) {
                    first = bytes;
                    firstResult = window.result();
                } else {
                    assertThat(bytes).as("seed %d read %d: bytes of the merged window", seed, read).isEqualTo(first);
                    assertThat(window.result()).as("seed %d read %d", seed, read).isEqualTo(firstResult);
                }
            }
            // and building the tiles again from the same events gives the same tiles
            List<Ir> again = tiles(agg, seed);
            disturb(seed);
            for (int i = 0; i < tiles.size(); i++) {
                assertThat(IrPipeline.encode(again.get(i))).as("seed %d tile %d rebuilt", seed, i)
                        .isEqualTo(IrPipeline.encode(tiles.get(i)));
            }
        }
    }

    /**
     * A buffer's order is not state: reads and encodes sort buffers in place, and a window merged
     * past 300 values must not change because a commit encoded (sorted) its tiles in between.
     */
    @Test
    void aWindowDoesNotDependOnTheOrderItsBuffersAreIn() {
        Aggregator agg = Aggregators.create(Aggregation.APPROX_PERCENTILE, 0, 0.5);
        for (long seed = 1; seed <= 40; seed++) {
            Random rnd = new Random(seed);
            List<Ir> tiles = new ArrayList<>();
            for (int t = 0; t < 12; t++) {
                Ir ir = agg.newIr();
                int n = 10 + rnd.nextInt(250); // exact buffers, in arrival order
                for (int i = 0; i < n; i++) {
                    ir.add((double) rnd.nextInt(100_000), 0, null);
                }
                tiles.add(ir);
            }
            Ir before = agg.newMergeTarget();
            tiles.forEach(before::merge);
            tiles.forEach(IrPipeline::encode); // a commit: sorts every buffer in place
            Ir after = agg.newMergeTarget();
            tiles.forEach(after::merge);
            assertThat(IrPipeline.encode(after)).as("seed %d: bytes of the merged window", seed).isEqualTo(IrPipeline.encode(before));
            assertThat(after.result()).as("seed %d", seed).isEqualTo(before.result());
        }
    }

    /** 24 tiles of 100 to 2,000 values each: most past the 300-value exact buffer. */
    private static List<Ir> tiles(Aggregator agg, long seed) {
        Random rnd = new Random(seed);
        List<Ir> tiles = new ArrayList<>();
        for (int t = 0; t < 24; t++) {
            Ir ir = agg.newIr();
            int n = 100 + rnd.nextInt(1_900);
            for (int i = 0; i < n; i++) {
                ir.add(rnd.nextGaussian() * 100 + 500, 0, null);
                if (i % 97 == 0) {
                    disturb(rnd.nextLong());
                }
            }
            tiles.add(ir);
        }
        return tiles;
    }

    /** KLL work that draws from DataSketches' shared Random, as unrelated entities would. */
    private static void disturb(long seed) {
        Random rnd = new Random(seed);
        KllDoublesSketch s = KllDoublesSketch.newHeapInstance(8);
        for (int i = 0; i < 50 + rnd.nextInt(200); i++) {
            s.update(rnd.nextDouble());
        }
    }
}

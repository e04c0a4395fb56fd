package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class WatermarkTrackerTest {
    static final long LATE = 600_000;
    static final long IDLE = 60_000;

    @Test
    void noWatermarkBeforeData() {
        WatermarkTracker w = new WatermarkTracker(2, LATE, IDLE, 0);
        w.advance(0);
        assertThat(w.watermark()).isEqualTo(WatermarkTracker.NONE);
    }

    @Test
    void minimumOverActivePartitionsMinusLateness() {
        WatermarkTracker w = new WatermarkTracker(3, LATE, IDLE, 0);
        w.observe(0, 10_000_000, 0);
        w.observe(1, 9_000_000, 0);
        w.advance(0);
        assertThat(w.watermark()).as("partition 2 has not spoken yet: it holds").isEqualTo(WatermarkTracker.NONE);
        w.observe(0, 10_000_000, IDLE + 1);
        w.observe(1, 9_000_000, IDLE + 1);
        w.advance(IDLE + 1);
        assertThat(w.watermark()).as("but not past the idle timeout").isEqualTo(9_000_000 - LATE);
        w.observe(2, 8_000_000, IDLE + 2);
        w.advance(IDLE + 2);
        assertThat(w.watermark()).isEqualTo(9_000_000 - LATE); // never moves back
    }

    /** {@code peek} (what metrics publish) says what {@code advance} at the same time will set, and changes nothing. */
    @Test
    void peekForetellsAdvanceWithoutChangingTheWatermark() {
        Random rnd = new Random(9);
        WatermarkTracker w = new WatermarkTracker(3, LATE, IDLE, 0);
        long now = 0;
        for (int i = 0; i < 5_000; i++) {
            now += rnd.nextInt(2_000);
            if (rnd.nextInt(4) > 0) {
                w.observe(rnd.nextInt(3), now * 10 + rnd.nextInt(1_000_000), now);
            }
            long before = w.watermark();
            long peeked = w.peek(now);
            assertThat(w.watermark()).isEqualTo(before);
            w.advance(now);
            assertThat(w.watermark()).isEqualTo(peeked);
        }
        assertThat(w.watermark()).isNotEqualTo(WatermarkTracker.NONE);
    }

    @Test
    void aLaggingPartitionHoldsTheWatermarkUntilIdle() {
        WatermarkTracker w = new WatermarkTracker(2, LATE, IDLE, 0);
        w.observe(0, 1_000_000, 0);
        w.observe(1, 50_000_000, 0);
        w.advance(0);
        assertThat(w.watermark()).isEqualTo(1_000_000 - LATE);
        w.observe(1, 60_000_000, IDLE); // partition 0 silent since 0
        w.advance(IDLE);
        assertThat(w.watermark()).isEqualTo(1_000_000 - LATE); // exactly at the timeout: still active
        w.advance(IDLE + 1);
        assertThat(w.watermark()).isEqualTo(60_000_000 - LATE);
    }

    /** The property the end-to-end tests rely on, against a brute-force model. */
    @Test
    void anEventWithinLatenessOfItsOwnPartitionsNewestIsNeverLate() {
        for (long seed = 0; seed < 500; seed++) {
            Random rnd = new Random(seed);
            int parts = 1 + rnd.nextInt(4);
            WatermarkTracker w = new WatermarkTracker(parts, LATE, Long.MAX_VALUE / 4, 0);
            long[] newest = new long[parts];
            java.util.Arrays.fill(newest, Long.MIN_VALUE);
            long base = 1_764_000_000_000L;
            for (int i = 0; i < 300; i++) {
                int p = rnd.nextInt(parts);
                long t = base + rnd.nextInt(100_000_000);
                if (newest[p] != Long.MIN_VALUE && t >= newest[p] - LATE) {
                    assertThat(t).as("seed %d", seed).isGreaterThanOrEqualTo(w.watermark());
                }
                if (t >= w.watermark()) {
                    w.observe(p, t, i);
                    newest[p] = Math.max(newest[p], t);
                }
                if (rnd.nextInt(5) == 0) {
                    w.advance(i);
                }
            }
        }
    }
}

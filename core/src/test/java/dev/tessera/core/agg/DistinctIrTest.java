package dev.tessera.core.agg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.Aggregation;
import dev.tessera.core.codec.ByteWriter;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What {@link DistinctPrefix} relies on to skip absorbing an unchanged estimating last IR: while
 * {@link DistinctIr#inCouponMode(double)} says so, the union really is in a coupon mode (its HLL_4 image is
 * a coupon list or set, 4 bytes a coupon, not the 16 KiB array), and its estimate changes exactly
 * when its number of coupons does (read from the image's size).
 */
class DistinctIrTest {
    @Test
    void couponModeIsTheLibrarysAndItsEstimateFollowsTheCoupons() {
        Random rnd = new Random(5);
        for (int round = 0; round < 4; round++) {
            DistinctIr ir = (DistinctIr) Aggregators.create(Aggregation.APPROX_DISTINCT).newIr();
            double lastEstimate = Double.NaN;
            int lastBytes = -1;
            boolean sawHll = false;
            for (int i = 0; i < 6_000; i++) {
                String v = "v" + (rnd.nextInt(4) == 0 && i > 0 ? rnd.nextInt(i) : i); // repeats too
                ir.add(v, i, null);
                if (!ir.isEstimating()) {
                    continue;
                }
                ByteWriter image = new ByteWriter();
                ir.encode(image);
                int bytes = image.size();
                if (DistinctIr.inCouponMode(ir.estimate())) {
                    assertThat(bytes).as("value %d: coupon mode claimed, image of %d bytes", i, bytes).isLessThan(16_000);
                    double estimate = ir.estimate();
                    if (lastBytes >= 0 && lastBytes < 16_000) {
                        if (bytes == lastBytes) {
                            assertThat(estimate).as("value %d: same coupons", i).isEqualTo(lastEstimate);
                        } else {
                            assertThat(estimate).as("value %d: more coupons", i).isGreaterThan(lastEstimate);
                        }
                    }
                    lastEstimate = estimate;
                } else {
                    sawHll |= bytes > 16_000;
                }
                lastBytes = bytes;
            }
            assertThat(sawHll).as("the stream reached the HLL array").isTrue();
        }
    }
}

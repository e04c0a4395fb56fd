package dev.tessera.core.agg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link HashCounts} and {@link CouponCounts} against a {@link HashMap} of counts: random increments,
 * decrements (of held keys and of keys not held, which answer -1) and lookups, over key sets small
 * and large, so tables grow, probes pass occupied slots and removals shift runs back. Coupons
 * include negative ones (a coupon of 63 leading zeros sets the sign bit), and are also added several
 * at a time ({@link CouponCounts#add}, how a prefix makes its coupons from its hash counts).
 */
class HashAndCouponCountsTest {
    @Test
    void hashCountsBehaveAsAMultiset() {
        for (long seed = 0; seed < 200; seed++) {
            Random rnd = new Random(seed);
            int domain = new int[] {3, 40, 700, 5_000}[rnd.nextInt(4)];
            long[] keys = new long[domain];
            for (int i = 0; i < domain; i++) {
                keys[i] = rnd.nextInt(3) == 0 ? i : rnd.nextLong(); // small keys crowd the same slots
            }
            HashCounts counts = new HashCounts();
            Map<Long, Integer> oracle = new HashMap<>();
            for (int step = 0; step < 4_000; step++) {
                long key = keys[rnd.nextInt(domain)];
                int op = rnd.nextInt(10);
                String at = "seed " + seed + " step " + step + ": " + key;
                if (op < 5) {
                    assertThat(counts.increment(key)).as(at).isEqualTo(!oracle.containsKey(key));
                    oracle.merge(key, 1, Integer::sum);
                } else if (op < 8) {
                    int before = oracle.getOrDefault(key, 0);
                    assertThat(counts.decrement(key)).as(at).isEqualTo(before - 1);
                    if (before == 1) {
                        oracle.remove(key);
                    } else if (before > 1) {
                        oracle.put(key, before - 1);
                    }
                } else {
                    assertThat(counts.contains(key)).as(at).isEqualTo(oracle.containsKey(key));
                }
                assertThat(counts.size()).as(at).isEqualTo(oracle.size());
            }
            for (long key : keys) {
                assertThat(counts.contains(key)).isEqualTo(oracle.containsKey(key));
            }
        }
    }

    @Test
    void couponCountsBehaveAsAMultiset() {
        for (long seed = 0; seed < 200; seed++) {
            Random rnd = new Random(seed);
            int domain = new int[] {3, 40, 700, 5_000}[rnd.nextInt(4)];
            int[] keys = new int[domain];
            for (int i = 0; i < domain; i++) {
                keys[i] = rnd.nextInt(3) == 0 ? DistinctSlidingPrefix.coupon(rnd.nextLong())
                        : (1 + rnd.nextInt(63)) << 26 | (rnd.nextBoolean() ? i : rnd.nextInt(1 << 26));
            }
            CouponCounts counts = new CouponCounts();
            Map<Integer, Integer> oracle = new HashMap<>();
            for (int step = 0; step < 4_000; step++) {
                int key = keys[rnd.nextInt(domain)];
                int op = rnd.nextInt(10);
                String at = "seed " + seed + " step " + step + ": " + key;
                if (op == 0) {
                    int times = 1 + rnd.nextInt(3);
                    counts.add(key, times);
                    oracle.merge(key, times, Integer::sum);
                } else if (op < 5) {
                    assertThat(counts.increment(key)).as(at).isEqualTo(!oracle.containsKey(key));
                    oracle.merge(key, 1, Integer::sum);
                } else if (op < 8) {
                    int before = oracle.getOrDefault(key, 0);
                    assertThat(counts.decrement(key)).as(at).isEqualTo(before - 1);
                    if (before == 1) {
                        oracle.remove(key);
                    } else if (before > 1) {
                        oracle.put(key, before - 1);
                    }
                } else {
                    assertThat(counts.contains(key)).as(at).isEqualTo(oracle.containsKey(key));
                }
                assertThat(counts.size()).as(at).isEqualTo(oracle.size());
            }
            for (int key : keys) {
                assertThat(counts.contains(key)).isEqualTo(oracle.containsKey(key));
            }
        }
    }
}

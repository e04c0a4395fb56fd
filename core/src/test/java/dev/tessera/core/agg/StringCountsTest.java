package dev.tessera.core.agg;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link StringCounts} against a {@link HashMap}: random puts, removals (count 0) and lookups over
 * key sets small and large, including keys whose hash codes collide ("Aa" and "BB" have the same
 * one), so probes pass slots with equal hashes and different keys, and removals shift runs back.
 */
class StringCountsTest {
    @Test
    void behavesAsAMapOfPositiveCounts() {
        for (long seed = 0; seed < 200; seed++) {
            Random rnd = new Random(seed);
            int domain = new int[] {3, 40, 700, 5_000}[rnd.nextInt(4)];
            boolean colliding = rnd.nextBoolean();
            StringCounts counts = new StringCounts();
            Map<String, Long> oracle = new HashMap<>();
            for (int step = 0; step < 3_000; step++) {
                String key = colliding ? collidingKey(rnd.nextInt(domain)) : "m-" + rnd.nextInt(domain);
                int op = rnd.nextInt(10);
                if (op < 5) {
                    long c = 1 + rnd.nextInt(100);
                    counts.put(key, c);
                    oracle.put(key, c);
                } else if (op < 7) {
                    counts.put(key, 0);
                    oracle.remove(key);
                } else {
                    assertThat(counts.get(key)).as("seed %d step %d: %s", seed, step, key).isEqualTo(oracle.getOrDefault(key, 0L));
                }
            }
            assertThat(counts.size()).as("seed %d", seed).isEqualTo(oracle.size());
            Map<String, Long> scanned = new HashMap<>();
            for (int i = 0; i < counts.capacity(); i++) {
                if (counts.keyAt(i) != null) {
                    scanned.put(counts.keyAt(i), counts.countAt(i));
                }
            }
            assertThat(scanned).as("seed %d: a scan of the slots", seed).isEqualTo(oracle);
        }
    }

    /** Strings made of "Aa" and "BB" blocks: all those with the same number of blocks share one hash code. */
    private static String collidingKey(int n) {
        StringBuilder sb = new StringBuilder();
        for (int bit = 0; bit < 13; bit++) {
            sb.append((n >> bit & 1) == 0 ? "Aa" : "BB");
        }
        return sb.toString();
    }
}

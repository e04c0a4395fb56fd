package dev.tessera.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link EventIds} against a naive oracle (a map from id to first event time): seeded random ids,
 * repeats and expiries; after every step the answers and the size agree, and a copy is independent.
 */
class EventIdsTest {
    @Test
    void answersAsAMapOfIdToFirstTimeDoes() {
        long seed = Long.getLong("tessera.seed", 3);
        Random rnd = new Random(seed);
        for (int round = 0; round < 50; round++) {
            EventIds ids = new EventIds();
            Map<String, Long> oracle = new HashMap<>();
            int universe = 1 + rnd.nextInt(round < 10 ? 20 : 5_000);
            long time = 0;
            for (int step = 0; step < 20_000; step++) {
                if (rnd.nextInt(500) == 0) {
                    long before = time - rnd.nextInt(2_000);
                    ids.expire(before);
                    oracle.values().removeIf(t -> t < before);
                } else {
                    String id = rnd.nextInt(10) == 0 ? "ü-" + rnd.nextInt(universe) : "pay-" + rnd.nextInt(universe);
                    time += rnd.nextInt(3);
                    boolean expected = oracle.putIfAbsent(id, time) == null;
                    assertThat(ids.add(id, time)).as("seed %d round %d step %d: %s", seed, round, step, id).isEqualTo(expected);
                }
                assertThat(ids.size()).as("seed %d round %d step %d", seed, round, step).isEqualTo(oracle.size());
            }
            EventIds copy = ids.copy();
            assertThat(copy.add("fresh", time)).isTrue();
            assertThat(ids.add("fresh", time)).as("the copy shares nothing").isTrue();
            long[] count = {0};
            ids.forEach((hi, lo, t) -> count[0]++);
            assertThat(count[0]).isEqualTo(ids.size());
        }
    }

    @Test
    void anIdWhoseHashIsZeroIsStillAnId() {
        EventIds ids = new EventIds();
        assertThat(ids.add(0, 0, 5)).isTrue();
        assertThat(ids.add(0, 0, 6)).isFalse();
        assertThat(ids.add(0, 1, 6)).as("(0, 0) is stored as (0, 1)").isFalse();
        assertThat(ids.size()).isEqualTo(1);
    }
}

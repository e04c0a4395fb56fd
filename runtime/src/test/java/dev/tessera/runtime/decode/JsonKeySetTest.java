package dev.tessera.runtime.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The duplicate-key stack against one hash set per open object, over random nestings. */
class JsonKeySetTest {
    @Test
    void agreesWithAHashSetPerObject() {
        for (long seed = 0; seed < 300; seed++) {
            Random random = new Random(seed);
            JsonKeySet keys = new JsonKeySet();
            walk(random, keys, 0, seed);
        }
    }

    private static void walk(Random random, JsonKeySet keys, int depth, long seed) {
        int base = keys.open();
        Set<String> oracle = new HashSet<>();
        int size = random.nextInt(random.nextInt(10) == 0 ? 200 : 20);
        for (int i = 0; i < size; i++) {
            // new String(...) so identity differs from equality, as with a non-canonical name
            String key = new String("k" + random.nextInt(size + 5));
            assertThat(keys.add(base, key)).as("seed %d depth %d key %s", seed, depth, key).isEqualTo(oracle.add(key));
            if (depth < 6 && random.nextInt(8) == 0) {
                walk(random, keys, depth + 1, seed);
            }
        }
        keys.close(base);
    }
}

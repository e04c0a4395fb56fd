package dev.tessera.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The half-open key range of a prefix, which both stores' scans rely on. */
class PrefixRangeTest {
    @Test
    void theUpperBoundDropsTrailingFfBytesAndIncrementsTheLastOther() {
        assertThat(upper("")).isNull();
        assertThat(upper("ff")).isNull();
        assertThat(upper("ffff")).isNull();
        assertThat(upper("00")).isEqualTo("01");
        assertThat(upper("7f")).isEqualTo("80");
        assertThat(upper("80")).isEqualTo("81");
        assertThat(upper("01ff")).isEqualTo("02");
        assertThat(upper("01feff")).isEqualTo("01ff");
        assertThat(upper("0000")).isEqualTo("0001");
    }

    /** For 1,000 seeded random keys and prefixes: contains(key) iff prefix <= key < upperBound. */
    @Test
    void containsIsExactlyTheHalfOpenRange() {
        for (int seed = 0; seed < 1_000; seed++) {
            Random random = new Random(seed);
            byte[] prefix = AbstractTileStoreTest.randomEdgeBytes(random, 3);
            byte[] key = AbstractTileStoreTest.randomEdgeBytes(random, 4);
            PrefixRange range = PrefixRange.of(prefix);

            boolean inRange = Arrays.compareUnsigned(key, prefix) >= 0
                    && (!range.hasUpperBound() || Arrays.compareUnsigned(key, range.upperBound()) < 0);
            assertThat(range.contains(key)).as("seed %d: prefix %s, key %s", seed, hex(prefix), hex(key))
                    .isEqualTo(inRange);
        }
    }

    private static String upper(String prefixHex) {
        PrefixRange range = PrefixRange.of(HexFormat.of().parseHex(prefixHex));
        return range.hasUpperBound() ? hex(range.upperBound()) : null;
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}

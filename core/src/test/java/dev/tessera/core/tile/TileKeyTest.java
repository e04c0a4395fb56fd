package dev.tessera.core.tile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.core.codec.CorruptDataException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TileKeyTest {
    /** Written by this layout on 2026-11-26; must stay decodable forever. */
    private static final String GOLDEN = "0110616363" + "6f756e745f7061796d656e7473" + "01" + "02" + "6131"
            + "80000000000dbba0" + "80000191a2032200";

    @Test
    void goldenBytesStayReadable() {
        TileKey key = new TileKey("account_payments", List.of("a1"), 900_000L, 1_725_000_000_000L);
        assertThat(HexFormat.of().formatHex(key.encode())).isEqualTo(GOLDEN);
        assertThat(TileKey.decode(HexFormat.of().parseHex(GOLDEN))).isEqualTo(key);
    }

    @Test
    void tellsTileKeysAndEntityPrefixesFromOtherBytesWithoutThrowing() {
        byte[] prefix = TileKey.entityPrefix("account_payments", List.of("a1", "EUR"));
        byte[] tile = TileKey.encode(prefix, 60_000L, -5L);
        assertThat(TileKey.entityPrefixLengthOfTileKey(tile)).isEqualTo(prefix.length);
        assertThat(TileKey.isEntityPrefix(prefix)).isTrue();
        assertThat(TileKey.isEntityPrefix(tile)).as("a tile key is longer than its prefix").isFalse();
        assertThat(TileKey.entityPrefixLengthOfTileKey(prefix)).as("a prefix is not a tile key").isEqualTo(-1);
        assertThat(TileKey.entityPrefixLengthOfTileKey(Arrays.copyOf(tile, tile.length - 1))).isEqualTo(-1);
        assertThat(TileKey.entityPrefixLengthOfTileKey(Arrays.copyOf(tile, tile.length + 1))).isEqualTo(-1);
        assertThat(TileKey.isEntityPrefix(Arrays.copyOf(prefix, prefix.length - 1))).isFalse();
        assertThat(TileKey.isEntityPrefix(new byte[0])).isFalse();
        Random rnd = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            byte[] junk = new byte[rnd.nextInt(40)];
            rnd.nextBytes(junk);
            int n = TileKey.entityPrefixLengthOfTileKey(junk);
            if (n >= 0) {
                assertThat(TileKey.isEntityPrefix(Arrays.copyOf(junk, n))).isTrue();
            }
        }
    }

    @Test
    void roundTripsAndSortsLikeTheNumbers() {
        Random rnd = new Random(7);
        List<TileKey> keys = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            long start = rnd.nextLong() / 2;
            TileKey k = new TileKey("g", List.of("k" + rnd.nextInt(3), "x"), 3_600_000L, start);
            assertThat(TileKey.decode(k.encode())).isEqualTo(k);
            keys.add(k);
        }
        List<TileKey> byBytes = new ArrayList<>(keys);
        byBytes.sort((a, b) -> Arrays.compareUnsigned(a.encode(), b.encode()));
        for (int i = 1; i < byBytes.size(); i++) {
            TileKey a = byBytes.get(i - 1);
            TileKey b = byBytes.get(i);
            if (a.entityKey().equals(b.entityKey())) {
                assertThat(a.start()).isLessThanOrEqualTo(b.start());
            }
        }
    }

    @Test
    void encodingFromThePrefixIsTheSameKey() {
        Random rnd = new Random(11);
        for (int i = 0; i < 1000; i++) {
            TileKey k = new TileKey("g" + rnd.nextInt(3), List.of("k" + rnd.nextInt(50)), rnd.nextLong(), rnd.nextLong());
            assertThat(TileKey.encode(TileKey.entityPrefix(k.group(), k.entityKey()), k.hopMillis(), k.start()))
                    .isEqualTo(k.encode());
        }
    }

    @Test
    void entityPrefixCoversExactlyThatEntitysTiles() {
        byte[] prefix = TileKey.entityPrefix("g", List.of("a"));
        byte[] mine = new TileKey("g", List.of("a"), 1000, 5).encode();
        byte[] longerKey = new TileKey("g", List.of("ab"), 1000, 5).encode();
        byte[] composite = new TileKey("g", List.of("a", "b"), 1000, 5).encode();
        assertThat(startsWith(mine, prefix)).isTrue();
        assertThat(startsWith(longerKey, prefix)).isFalse();
        assertThat(startsWith(composite, prefix)).isFalse();
    }

    @Test
    void corruptKeysFailClearly() {
        assertThatThrownBy(() -> TileKey.decode(new byte[] {9})).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("version 9");
        byte[] good = new TileKey("g", List.of("a"), 1000, 5).encode();
        assertThatThrownBy(() -> TileKey.decode(Arrays.copyOf(good, good.length - 1)))
                .isInstanceOf(CorruptDataException.class).hasMessageContaining("truncated");
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }
}

package dev.tessera.store;

import java.util.Arrays;

/**
 * The keys starting with a prefix, as the half-open range {@code [prefix, upperBound)} in unsigned
 * lexicographic order. The upper bound is the prefix with trailing 0xFF bytes dropped and its last
 * byte incremented ({@code 01 FF -> 02}); a prefix of only 0xFF bytes (or the empty prefix) has none,
 * because every key at or after it starts with it.
 */
record PrefixRange(byte[] prefix, byte[] upperBound) {
    static PrefixRange of(byte[] prefix) {
        int last = prefix.length - 1;
        while (last >= 0 && prefix[last] == (byte) 0xFF) {
            last--;
        }
        if (last < 0) {
            return new PrefixRange(prefix, null);
        }
        byte[] upper = Arrays.copyOf(prefix, last + 1);
        upper[last]++;
        return new PrefixRange(prefix, upper);
    }

    boolean hasUpperBound() {
        return upperBound != null;
    }

    boolean contains(byte[] key) {
        return key.length >= prefix.length
                && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}

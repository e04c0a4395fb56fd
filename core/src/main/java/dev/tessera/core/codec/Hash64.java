package dev.tessera.core.codec;

/**
 * The 64-bit hashes Tessera computes itself, for in-memory tables only (never stored, so they may
 * change between releases): MurmurHash3's finalizer, and FNV-1a over a string's UTF-16 chars
 * finished with it so that every bit of the result, the low ones a table slot takes included,
 * depends on every char. Hashes that must match a library's (the HLL coupons of
 * {@code approx_distinct}) or that are stored (tile fingerprints) are computed where they are owned.
 */
public final class Hash64 {
    private Hash64() {}

    /** MurmurHash3's {@code fmix64}: a bijection that spreads every input bit over the output. */
    public static long fmix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }

    /** FNV-1a 64 over the chars of {@code s}, then {@link #fmix}. */
    public static long ofChars(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return fmix(h);
    }
}

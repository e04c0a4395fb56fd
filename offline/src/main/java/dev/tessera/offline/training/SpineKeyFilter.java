package dev.tessera.offline.training;

/**
 * The entity keys of a spine, as a Bloom filter: the event pass drops events whose key is surely not
 * in the spine before spilling them (an archive usually holds many entities a training set does not
 * ask for). A false positive only spills an event the join then drops (it looks keys up exactly),
 * so values never depend on it. Ten bits per key and three probes: about 1.7 % false positives;
 * the size is capped by the memory budget (more false positives, same values).
 */
final class SpineKeyFilter {
    private static final int PROBES = 3;

    private final long[] words;
    private final long bits;

    private SpineKeyFilter(long bits) {
        this.words = new long[(int) ((bits + 63) >>> 6)];
        this.bits = (long) words.length << 6;
    }

    /** A filter for up to {@code keys} keys, in at most {@code maxBytes} of heap. */
    static SpineKeyFilter sized(long keys, long maxBytes) {
        long want = Math.max(64, keys * 10);
        long cap = Math.max(64, Math.min(maxBytes * 8, (long) Integer.MAX_VALUE * 32));
        return new SpineKeyFilter(Math.min(want, cap));
    }

    void add(String key) {
        long h = hash(key);
        long h2 = (h >>> 32) | 1;
        for (int i = 0; i < PROBES; i++) {
            long bit = Math.floorMod(h + i * h2, bits);
            words[(int) (bit >>> 6)] |= 1L << bit;
        }
    }

    boolean mightContain(String key) {
        long h = hash(key);
        long h2 = (h >>> 32) | 1;
        for (int i = 0; i < PROBES; i++) {
            long bit = Math.floorMod(h + i * h2, bits);
            if ((words[(int) (bit >>> 6)] & (1L << bit)) == 0) {
                return false;
            }
        }
        return true;
    }

    /** 64-bit FNV-1a over the chars, finished with a murmur3 mix. */
    private static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}

package dev.tessera.offline.training;

import dev.tessera.core.codec.Hash64;

/**
 * Which events a spine can need, per entity, as a Bloom filter of (key, time unit): a row at
 * {@code ts} needs its key's events in {@code [ts − lookback, ts)} (lookback: the longest window
 * plus its hop), so each row adds its key with every unit of time that range touches, and the event
 * pass drops an event whose (key, unit) the filter has surely not seen — before decoding it, when
 * the archive's key columns give its key. With lifetime features every event of a key may matter:
 * the filter then holds keys only.
 *
 * <p>A false positive only spills an event the join does not need (it looks keys up exactly and
 * windows ignore old events), so values never depend on the filter. Ten bits per entry: about
 * 2.5 % false positives; the size is capped by the memory budget (more false positives, same
 * values). Units are a sixteenth of the lookback (at least a minute), so a row adds about 17 entries.
 *
 * <h2>Layout: for the cache</h2>
 * The filter is tens of megabytes and every archived event is tested, so a test must not cost a
 * cache miss per bit: the three bits of an entry lie in one 64-bit word (a blocked Bloom filter),
 * and the words are cut into one region per time unit, an entry going to its unit's region. The
 * archive is read roughly in time order, so the tests of a stretch of time fall into the few
 * regions of its units, which stay in the CPU's caches.
 */
final class SpineKeyFilter {
    private static final int UNITS_PER_LOOKBACK = 16;

    private final long[] words;
    /** Regions (one per unit of the spine's time span, wrapping around if there are more), and words per region. */
    private final int regions;
    private final int regionWords;
    private final long lookback;
    /** Length of a time unit in millis; 0: keys only. */
    private final long unit;

    private SpineKeyFilter(long bits, long lookback, long unit, long units) {
        int n = (int) ((bits + 63) >>> 6);
        this.regions = (int) Math.max(1, Math.min(units, n / 8));
        this.regionWords = Math.max(1, n / regions);
        this.words = new long[regions * regionWords];
        this.lookback = lookback;
        this.unit = unit;
    }

    /**
     * A filter for {@code rows} rows with {@code minTs <= ts <= maxTs} of an entity whose events
     * matter {@code lookback} millis back, in at most {@code maxBytes}.
     */
    static SpineKeyFilter sized(long rows, long lookback, long maxBytes, long minTs, long maxTs) {
        long unit = lookback == Long.MAX_VALUE ? 0 : Math.max(60_000L, (lookback + UNITS_PER_LOOKBACK - 1) / UNITS_PER_LOOKBACK);
        long perRow = unit == 0 ? 1 : lookback / unit + 2;
        long want = Math.max(64, Math.min(Long.MAX_VALUE / 20, rows) * perRow * 10);
        long cap = Math.max(64, Math.min(maxBytes * 8, (long) Integer.MAX_VALUE * 32));
        long units = 1;
        if (unit > 0 && minTs <= maxTs) {
            long from = minTs - lookback > minTs ? Long.MIN_VALUE : minTs - lookback;
            units = Math.max(1, Math.min(1 << 20, Math.floorDiv(maxTs, unit) - Math.floorDiv(from, unit) + 1));
        }
        return new SpineKeyFilter(Math.min(want, cap), lookback, unit, units);
    }

    /** A row of {@code key} at {@code ts}. */
    void add(String key, long ts) {
        long h = hash(key);
        if (unit == 0) {
            set(0, h);
            return;
        }
        long from = ts - lookback > ts ? Long.MIN_VALUE : ts - lookback;
        for (long u = Math.floorDiv(from, unit), last = Math.floorDiv(ts - 1, unit); u <= last; u++) {
            set(u, mix(h, u));
        }
    }

    /** False when no row can need an event of {@code key} at {@code eventTime}. */
    boolean mightNeed(String key, long eventTime) {
        long h = hash(key);
        if (unit == 0) {
            return test(0, h);
        }
        long u = Math.floorDiv(eventTime, unit);
        return test(u, mix(h, u));
    }

    private void set(long unitIndex, long h) {
        words[word(unitIndex, h)] |= mask(h);
    }

    private boolean test(long unitIndex, long h) {
        long m = mask(h);
        return (words[word(unitIndex, h)] & m) == m;
    }

    private int word(long unitIndex, long h) {
        return (int) Math.floorMod(unitIndex, (long) regions) * regionWords + (int) Math.floorMod(h >>> 24, (long) regionWords);
    }

    private static long mask(long h) {
        return 1L << h | 1L << (h >>> 6) | 1L << (h >>> 12);
    }

    private static long mix(long h, long unitIndex) {
        return Hash64.fmix(h ^ (unitIndex * 0x9E3779B97F4A7C15L));
    }

    /** 64-bit FNV-1a over the chars, finished with murmur3's mix. */
    private static long hash(String s) {
        return Hash64.ofChars(s);
    }
}

package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.codec.CorruptDataException;
import dev.tessera.core.codec.Hash64;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.datasketches.hash.MurmurHash3;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;

/**
 * approx_distinct: the number of distinct values, exact while small, then a DataSketches HLL.
 *
 * <h2>Identity of a value</h2>
 * Values are distinct by canonical type and value: Long 1 and Double 1.0 are two values; -0.0 and
 * 0.0 are one (as in {@code HllSketch.update(double)}); a Boolean counts as its string
 * ("true"/"false"); the empty string is a value (hashed as the single byte 0xFF, which is the UTF-8
 * encoding of no string). Each value is hashed once to 64 bits with
 * MurmurHash3 ({@code hash(...)[0]}), per type: Long {@code hash(long, 9002)}, Double
 * {@code hash(doubleToLongBits(x), 9003)}, String and Boolean {@code hash(utf8 bytes, 9001)} (9001 is
 * DataSketches' default seed; the other types get their own seeds so that, e.g., the string
 * "abcdefgh" and the long with the same eight bytes do not collide systematically). These seeds
 * are part of the stored format.
 *
 * <h2>Exact while small</h2>
 * Up to {@value #EXACT_LIMIT} distinct hashes are kept exactly (a sorted long[] of
 * {@value #FIRST_CAPACITY} slots at first, doubled as needed; the result is its
 * size, wrong only on a 64-bit hash collision, probability below n²/2^65 ≈ 4e-16 at n = 128).
 * Measured before choosing this: HLL's own sparse (coupon) modes round to the true count only
 * until 26-bit coupons collide — 4 in 20,000 random sets of 256 values were off by one, 52 in
 * 20,000 at 1,024 — so "exact while small" needs the exact set.
 *
 * <h2>Then HLL</h2>
 * The 129th distinct hash moves the IR to a DataSketches {@link Union} with lgK = {@value #LG_K},
 * fed {@code update(hash)} for every hash (the set's, then all later ones), so the switch loses
 * nothing and every add/merge order reaches the same sketch state. The Union starts in its sparse
 * coupon modes (4 bytes per coupon, here up to 3,072 coupons) and becomes a dense HLL_8 array
 * (32 KiB in memory, 16 KiB serialized as HLL_4) only beyond that. The result is
 * {@code round(getCompositeEstimate())}: the composite estimator depends only on the sketch state,
 * not on update order (HIP would be more accurate for one unmerged stream, but windows always merge
 * tiles, so composite is what reads get anyway).
 *
 * <p>Error: for merged sketches the relative standard error at lgK = 15 is 0.574%
 * ({@code HllSketch.getRelErr(true, true, 15, 1)}), so 2% is 3.5 standard deviations (lgK = 14
 * would give 0.81%, and 2% only at 2.5 sd). Below ~3,072 distinct values the coupon modes are
 * nearly exact (error 0 or a few units from coupon collisions).
 *
 * <pre>
 * Encoding (version 1)
 *   byte 0     version = 1
 *   byte 1     mode: 0 EXACT, 1 HLL
 *   EXACT:     varint n (0..128), then n hashes, 8 bytes each big-endian, strictly ascending (signed)
 *   HLL:       varint length, then that many bytes: the sketch as {@code HllSketch.toCompactByteArray()}
 *              of an HLL_4, lgK = 15 sketch (DataSketches HLL format; sparse list/set or dense)
 * </pre>
 * An empty IR is {@code 01 00 00}.
 */
final class DistinctIr implements Ir {
    static final int VERSION = 1;
    static final int LG_K = 15;
    static final int EXACT_LIMIT = 128;
    private static final int FIRST_CAPACITY = 2;
    private static final int EXACT = 0;
    private static final int HLL = 1;
    private static final long STRING_SEED = 9001;
    private static final long LONG_SEED = 9002;
    private static final long DOUBLE_SEED = 9003;
    /** MurmurHash3 rejects empty input; 0xFF alone is the UTF-8 encoding of no string. */
    private static final byte[] EMPTY_STRING_KEY = {(byte) 0xFF};

    /** Exact mode (union == null): the distinct hashes, sorted; null until the first add. */
    private long[] hashes;
    private int size;
    /** HLL mode: every hash added or merged. */
    private Union union;

    @Override
    public void add(Object value, long eventTime, String eventId) {
        addHash(hash(value));
    }

    static long hash(Object value) {
        if (value instanceof Long l) {
            return MurmurHash3.hash(l, LONG_SEED)[0];
        }
        if (value instanceof Double d) {
            double x = d == 0.0 ? 0.0 : d; // -0.0 and 0.0 are one value
            return MurmurHash3.hash(Double.doubleToLongBits(x), DOUBLE_SEED)[0];
        }
        if (value instanceof String s) {
            return hashString(s);
        }
        if (value instanceof Boolean b) {
            return b ? TRUE_HASH : FALSE_HASH;
        }
        throw ValueOrder.notCanonical(value);
    }

    private static final long TRUE_HASH = utf8Hash("true");
    private static final long FALSE_HASH = utf8Hash("false");

    /** The library's hash of the UTF-8 bytes, as the format defines it (allocates the bytes). */
    static long utf8Hash(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return MurmurHash3.hash(utf8.length == 0 ? EMPTY_STRING_KEY : utf8, STRING_SEED)[0];
    }

    /**
     * {@link #utf8Hash}, computed from the chars when they are all ASCII (then they are the UTF-8
     * bytes), so the hot path neither encodes nor allocates: MurmurHash3_x64_128 as DataSketches
     * implements it (16-byte blocks as two little-endian longs, the tail, the finalization), first
     * half. {@code DistinctIrTest} holds it to the library on random strings.
     */
    static long hashString(String s) {
        int len = s.length();
        if (len == 0) {
            return utf8Hash(s);
        }
        long h1 = STRING_SEED;
        long h2 = STRING_SEED;
        int blocks = len >>> 4;
        for (int b = 0; b < blocks; b++) {
            int at = b << 4;
            long k1 = 0;
            long k2 = 0;
            for (int i = 7; i >= 0; i--) {
                char c1 = s.charAt(at + i);
                char c2 = s.charAt(at + 8 + i);
                if ((c1 | c2) >= 0x80) {
                    return utf8Hash(s);
                }
                k1 = k1 << 8 | c1;
                k2 = k2 << 8 | c2;
            }
            h1 ^= mixK1(k1);
            h1 = Long.rotateLeft(h1, 27);
            h1 += h2;
            h1 = h1 * 5 + 0x52dce729;
            h2 ^= mixK2(k2);
            h2 = Long.rotateLeft(h2, 31);
            h2 += h1;
            h2 = h2 * 5 + 0x38495ab5;
        }
        int tail = blocks << 4;
        int rem = len - tail;
        if (rem > 0) {
            long k1 = 0;
            long k2 = 0;
            for (int i = rem - 1; i >= 0; i--) {
                char c = s.charAt(tail + i);
                if (c >= 0x80) {
                    return utf8Hash(s);
                }
                if (i >= 8) {
                    k2 = k2 << 8 | c;
                } else {
                    k1 = k1 << 8 | c;
                }
            }
            if (rem > 8) {
                h2 ^= mixK2(k2);
            }
            h1 ^= mixK1(k1);
        }
        h1 ^= len;
        h2 ^= len;
        h1 += h2;
        h2 += h1;
        h1 = Hash64.fmix(h1);
        h2 = Hash64.fmix(h2);
        return h1 + h2;
    }

    private static final long C1 = 0x87c37b91114253d5L;
    private static final long C2 = 0x4cf5ad432745937fL;

    private static long mixK1(long k1) {
        return Long.rotateLeft(k1 * C1, 31) * C2;
    }

    private static long mixK2(long k2) {
        return Long.rotateLeft(k2 * C2, 33) * C1;
    }

    void addHash(long h) {
        if (union != null) {
            union.update(h);
            return;
        }
        int pos = hashes == null ? -1 : Arrays.binarySearch(hashes, 0, size, h);
        if (pos >= 0) {
            return;
        }
        if (size == EXACT_LIMIT) {
            toHll();
            union.update(h);
            return;
        }
        int at = -pos - 1;
        if (hashes == null) {
            hashes = new long[FIRST_CAPACITY];
        } else if (size == hashes.length) {
            hashes = Arrays.copyOf(hashes, Math.min(EXACT_LIMIT, size * 2));
        }
        System.arraycopy(hashes, at, hashes, at + 1, size - at);
        hashes[at] = h;
        size++;
    }

    private void toHll() {
        union = new Union(LG_K);
        for (int i = 0; i < size; i++) {
            union.update(hashes[i]);
        }
        hashes = null;
        size = 0;
    }

    @Override
    public void merge(Ir other) {
        DistinctIr o = MergeCheck.sameKind(this, other, DistinctIr.class);
        if (o == this) {
            return; // a set merged with itself is itself
        }
        if (o.union == null) {
            for (int i = 0; i < o.size; i++) {
                addHash(o.hashes[i]);
            }
            return;
        }
        if (union == null) {
            toHll();
        }
        union.update(o.union.getResult(TgtHllType.HLL_8));
    }

    @Override
    public Object result() {
        return union == null ? (long) size : Math.round(union.getCompositeEstimate());
    }

    @Override
    public boolean isEmpty() {
        return union == null ? size == 0 : union.isEmpty();
    }

    /** True once the IR has left exact mode (for tests, diagnostics and {@link DistinctPrefix}). */
    boolean isEstimating() {
        return union != null;
    }

    /**
     * Whether a union with this {@link #estimate()} surely still holds a list or set of coupons (not
     * yet the HLL array). In those modes its coupons only grow, and its estimate is a strictly
     * increasing function of their number, so an unchanged estimate means unchanged coupons. The
     * library does not tell the mode ({@code CurMode} is not public); it leaves the coupon modes past
     * 3,072 coupons (lgK 15), where the estimate is above 3,000, so an estimate of at most
     * {@value DistinctSlidingPrefix#COUPON_LIMIT} means a coupon mode (DistinctIrTest checks this
     * against the sketch's serialized size).
     */
    static boolean inCouponMode(double estimate) {
        return estimate <= DistinctSlidingPrefix.COUPON_LIMIT;
    }

    /** Estimating mode: the union's composite estimate (before rounding). */
    double estimate() {
        return union.getCompositeEstimate();
    }

    /** Exact mode: the number of distinct hashes ({@link #exactHashes()} holds them in [0, n)). */
    int exactSize() {
        return size;
    }

    /** Exact mode: the distinct hashes in ascending order in [0, {@link #exactSize()}); null while empty. Not a copy. */
    long[] exactHashes() {
        return hashes;
    }

    @Override
    public Ir copy() {
        DistinctIr c = new DistinctIr();
        if (union != null) {
            c.union = new Union(LG_K);
            c.union.update(union.getResult(TgtHllType.HLL_8));
        } else if (size > 0) {
            c.hashes = Arrays.copyOf(hashes, size);
            c.size = size;
        }
        return c;
    }

    @Override
    public void encode(ByteWriter out) {
        out.writeByte(VERSION);
        if (union == null) {
            out.writeByte(EXACT).writeUnsignedVarLong(size);
            for (int i = 0; i < size; i++) {
                out.writeLong(hashes[i]);
            }
        } else {
            out.writeByte(HLL).writeBytes(union.getResult(TgtHllType.HLL_4).toCompactByteArray());
        }
    }

    static DistinctIr decode(ByteReader in) {
        FormatVersion.expect(in, VERSION);
        int at = in.position();
        int mode = in.readByte();
        DistinctIr ir = new DistinctIr();
        if (mode == EXACT) {
            int n = in.readLength();
            if (n > EXACT_LIMIT) {
                throw new CorruptDataException("approx_distinct exact set of " + n + " hashes exceeds " + EXACT_LIMIT);
            }
            if (n > 0) {
                ir.hashes = new long[n];
                for (int i = 0; i < n; i++) {
                    long h = in.readLong();
                    if (i > 0 && h <= ir.hashes[i - 1]) {
                        throw new CorruptDataException("approx_distinct hashes not strictly ascending at offset " + in.position());
                    }
                    ir.hashes[i] = h;
                }
                ir.size = n;
            }
        } else if (mode == HLL) {
            byte[] image = in.readBytes();
            HllSketch sketch;
            try {
                sketch = HllSketch.heapify(image);
                ir.union = new Union(LG_K);
                ir.union.update(sketch);
            } catch (RuntimeException e) {
                throw new CorruptDataException("approx_distinct HLL sketch at offset " + at + " does not decode: " + e, e);
            }
            if (sketch.getLgConfigK() != LG_K) {
                throw new CorruptDataException("approx_distinct HLL sketch has lgK " + sketch.getLgConfigK() + ", expected " + LG_K);
            }
        } else {
            throw new CorruptDataException("unknown approx_distinct mode " + mode + " at offset " + at);
        }
        return ir;
    }

    @Override
    public String toString() {
        return "DistinctIr[" + (union == null ? "exact " + size : "hll ~" + union.getCompositeEstimate()) + "]";
    }
}

package dev.tessera.generator;

/**
 * SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014):
 * the generator's only source of randomness.
 *
 * <p>Written out here instead of taken from {@code java.util} so that the same seed gives the same
 * bytes on every JDK, and every transcendental function goes through {@link StrictMath} for the
 * same reason ({@code Math.log} may be an intrinsic whose last bit differs between platforms).
 */
final class Rng {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private long state;

    Rng(long seed) {
        this.state = seed;
    }

    /**
     * The SplitMix64 finalizer. A bijection on 64-bit values (each step is an xor-shift or a
     * multiplication by an odd constant), so distinct inputs always give distinct outputs: ids made
     * from it never collide.
     */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    long nextLong() {
        state += GOLDEN_GAMMA;
        return mix64(state);
    }

    /** Uniform in [0, 1). */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, bound), bound positive (multiply-high: no modulo bias worth measuring at these bounds). */
    int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        return (int) (((nextLong() >>> 32) * bound) >>> 32);
    }

    /** Uniform in [lo, hi], both inclusive. */
    int between(int lo, int hi) {
        return lo + nextInt(hi - lo + 1);
    }

    /** Uniform in [lo, hi), as a long. */
    long betweenLong(long lo, long hi) {
        return lo + (long) (nextDouble() * (hi - lo));
    }

    boolean chance(double p) {
        return nextDouble() < p;
    }

    /** Exponentially distributed with the given mean. */
    double exponential(double mean) {
        return -mean * StrictMath.log1p(-nextDouble());
    }

    /** Standard normal (Box-Muller, one of the pair). */
    double gaussian() {
        double u1 = 1.0 - nextDouble(); // (0, 1]: log stays finite
        double u2 = nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * StrictMath.PI * u2);
    }

    /** Log-normal with the given median and log-space standard deviation. */
    double logNormal(double median, double sigma) {
        return median * StrictMath.exp(sigma * gaussian());
    }

    /** An index drawn with probability proportional to the weights whose running sums are {@code cumulative}. */
    int pick(double[] cumulative) {
        double x = nextDouble() * cumulative[cumulative.length - 1];
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > x) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** Running sums of {@code weights}, for {@link #pick}. */
    static double[] cumulative(double... weights) {
        double[] c = new double[weights.length];
        double sum = 0;
        for (int i = 0; i < weights.length; i++) {
            sum += weights[i];
            c[i] = sum;
        }
        return c;
    }
}

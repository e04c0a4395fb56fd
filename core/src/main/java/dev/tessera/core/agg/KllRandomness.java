package dev.tessera.core.agg;

import java.lang.reflect.Field;
import java.util.Random;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.kll.KllSketch;

/**
 * Makes KLL deterministic. DataSketches 6.2 compacts KLL levels with coin flips from one static
 * {@code java.util.Random} shared by the whole JVM ({@code KllSketch.random}), so the same merge
 * done twice — two reads of the same 7-day window, a read before and after a restart — could
 * answer differently once a window holds more than 300 values. Tessera promises the same number
 * for the same inputs, so every KLL operation that may compact runs here: under one lock, with that
 * Random reseeded from the operation's inputs (the sketches' counts). The result then depends only
 * on the inputs and their order, which is also what replay after a crash and the offline path rely
 * on. Cost: an uncontended lock and a reseed per sketch-mode update (tens of nanoseconds); small
 * IRs (up to 300 values, ADR 005) never get here.
 *
 * <p>If a future DataSketches version drops the field, {@link #available()} turns false and
 * {@code PercentileDeterminismTest} fails, so the upgrade cannot slip through unnoticed.
 */
final class KllRandomness {
    private static final Object LOCK = new Object();
    private static final Random SHARED = find();

    private KllRandomness() {
    }

    private static Random find() {
        try {
            Field f = KllSketch.class.getDeclaredField("random");
            f.setAccessible(true);
            return f.get(null) instanceof Random r ? r : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    static boolean available() {
        return SHARED != null;
    }

    static void update(KllDoublesSketch s, double x) {
        synchronized (LOCK) {
            reseed(s.getN(), 0x9E3779B97F4A7C15L);
            s.update(x);
        }
    }

    static void feed(KllDoublesSketch s, double[] values, int n) {
        synchronized (LOCK) {
            for (int i = 0; i < n; i++) {
                reseed(s.getN(), 0x9E3779B97F4A7C15L);
                s.update(values[i]);
            }
        }
    }

    static void merge(KllDoublesSketch into, KllDoublesSketch other) {
        synchronized (LOCK) {
            reseed(into.getN() * 31 + other.getN(), other.getNumRetained());
            into.merge(other);
        }
    }

    private static void reseed(long a, long b) {
        if (SHARED != null) {
            long h = a * 0xBF58476D1CE4E5B9L ^ b;
            h ^= h >>> 31;
            SHARED.setSeed(h);
        }
    }
}

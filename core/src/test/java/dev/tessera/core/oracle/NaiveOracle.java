package dev.tessera.core.oracle;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The source of truth (shared with every module's tests through core's test-jar) for every fast path: brute force over the raw events, straight from SPEC §2–3,
 * sharing no code with production. Sketch aggregations return exact answers; tests compare the
 * sketches against them within the library's error bounds.
 */
public final class NaiveOracle {
    private NaiveOracle() {}

    /** A raw event: time, id (may be null) and fields with canonical values. */
    public record Ev(long time, String id, Map<String, Object> fields) {}

    /** A feature as the oracle sees it: windowMillis 0 = lifetime; filter is an independent Java predicate. */
    public record Spec(String agg, String of, Predicate<Ev> filter, long windowMillis, long hopMillis, int k) {}

    /** The value of feature {@code s} over {@code events} read at {@code t} (sketches: the exact answer). */
    public static Object value(Spec s, List<Ev> events, long t) {
        long from = s.windowMillis == 0 ? Long.MIN_VALUE : Math.floorDiv(t - s.windowMillis, s.hopMillis) * s.hopMillis;
        List<Ev> in = new ArrayList<>();
        List<Object> vals = new ArrayList<>();
        for (Ev e : events) {
            Object v = s.of == null ? Boolean.TRUE : e.fields.get(s.of);
            if (v instanceof Double d && !Double.isFinite(d)) v = null;
            if (e.time >= from && e.time < t && s.filter.test(e) && v != null) { in.add(e); vals.add(v); }
        }
        List<Object> nums = vals.stream().filter(v -> v instanceof Long || v instanceof Double).toList();
        boolean anyDouble = nums.stream().anyMatch(v -> v instanceof Double);
        BigDecimal exact = nums.stream().map(v -> new BigDecimal(v.toString())).reduce(BigDecimal.ZERO, BigDecimal::add);
        Comparator<Object> numeric = Comparator.comparing(v -> new BigDecimal(v.toString()));
        Comparator<Object> valueOrder = Comparator.comparing((Object v) -> v instanceof Boolean ? 0 : v instanceof String ? 2 : 1)
                .thenComparing((a, b) -> a instanceof String x ? x.compareTo((String) b) : a instanceof Boolean x ? x.compareTo((Boolean) b) : numeric.compare(a, b));
        Comparator<Ev> order = Comparator.comparingLong(Ev::time).thenComparing(Ev::id, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(e -> e.fields.get(s.of), valueOrder);
        switch (s.agg) {
            case "count": return (long) vals.size();
            case "sum":
                if (anyDouble) return exact.doubleValue();
                BigInteger bi = exact.toBigIntegerExact();
                return bi.bitLength() < 64 ? (Object) bi.longValue() : (Object) bi.doubleValue();
            case "avg": return nums.isEmpty() ? null : exact.doubleValue() / nums.size();
            case "min": case "max": {
                if (nums.isEmpty()) return null;
                Object m = s.agg.equals("min") ? nums.stream().min(numeric).get() : nums.stream().max(numeric).get();
                return anyDouble ? (Object) ((Number) m).doubleValue() : m;
            }
            case "first": return in.isEmpty() ? null : in.stream().min(order).get().fields.get(s.of);
            case "last": return in.isEmpty() ? null : in.stream().max(order).get().fields.get(s.of);
            case "last_k": return in.stream().sorted(order.reversed()).limit(s.k).map(e -> e.fields.get(s.of)).toList();
            case "approx_distinct": return (long) new HashSet<>(vals).size();
            case "approx_percentile": return nums.stream().map(v -> ((Number) v).doubleValue()).sorted().toList();
            case "top_k": {
                TreeMap<String, Long> counts = new TreeMap<>();
                vals.forEach(v -> counts.merge(v.toString(), 1L, Long::sum));
                return counts; // tests rank it: count desc, value asc
            }
            default: throw new IllegalArgumentException(s.agg);
        }
    }
}

package dev.tessera.core.agg;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/** Brute force over the events added, written from SPEC §2/§3 without production code: the tests' source of truth. */
final class NaiveAggregator {
    record Ev(Object value, long time, String id) {}

    private static int kind(Object v) {
        return v instanceof Boolean ? 0 : v instanceof String ? 2 : 1;
    }

    private static BigDecimal exact(Object n) {
        return n instanceof Long l ? new BigDecimal(l) : new BigDecimal((Double) n);
    }

    /** Booleans < numbers (exact, Long before an equal Double, -0.0 < 0.0) < strings. */
    static final Comparator<Object> VALUE_ORDER = (a, b) -> {
        int c = Integer.compare(kind(a), kind(b));
        if (c != 0) return c;
        if (a instanceof Boolean x) return Boolean.compare(x, (Boolean) b);
        if (a instanceof String x) return x.compareTo((String) b);
        c = exact(a).compareTo(exact(b));
        if (c != 0) return c;
        c = Boolean.compare(a instanceof Double, b instanceof Double);
        return c != 0 ? c : Double.compare(((Number) a).doubleValue(), ((Number) b).doubleValue());
    };
    static final Comparator<Ev> EVENT_ORDER = Comparator.comparingLong(Ev::time)
            .thenComparing(Ev::id, Comparator.nullsFirst(Comparator.<String>naturalOrder()))
            .thenComparing(Ev::value, VALUE_ORDER);

    static List<Object> numbers(List<Ev> es) {
        return es.stream().map(Ev::value).filter(v -> v instanceof Long || v instanceof Double).toList();
    }

    static boolean anyDouble(List<Ev> es) {
        return es.stream().anyMatch(e -> e.value() instanceof Double);
    }

    static BigDecimal exactSum(List<Ev> es) {
        return numbers(es).stream().map(NaiveAggregator::exact).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    static Object sum(List<Ev> es) {
        BigDecimal s = exactSum(es);
        if (anyDouble(es)) return s.doubleValue();
        BigInteger i = s.toBigIntegerExact();
        return i.bitLength() < 64 ? (Object) i.longValue() : (Object) i.doubleValue();
    }

    static Double avg(List<Ev> es) {
        int n = numbers(es).size();
        return n == 0 ? null : exactSum(es).divide(BigDecimal.valueOf(n), new MathContext(60)).doubleValue();
    }

    static Object extreme(List<Ev> es, boolean max) {
        Object best = es.stream().map(Ev::value).max(max ? VALUE_ORDER : VALUE_ORDER.reversed()).orElse(null);
        return best instanceof Long l && anyDouble(es) ? (Object) l.doubleValue() : best;
    }

    static Object firstOrLast(List<Ev> es, boolean last) {
        return es.stream().max(last ? EVENT_ORDER : EVENT_ORDER.reversed()).map(Ev::value).orElse(null);
    }

    static List<Object> lastK(List<Ev> es, int k) {
        return es.stream().sorted(EVENT_ORDER.reversed()).limit(k).map(Ev::value).toList();
    }

    static long distinct(List<Ev> es) {
        HashSet<String> keys = new HashSet<>();
        for (Ev e : es) {
            Object v = e.value();
            keys.add(v instanceof Long ? "L" + v : v instanceof Double d ? "D" + (d == 0.0 ? 0.0 : d) : "S" + v);
        }
        return keys.size();
    }

    /** Every canonical string with its count, count descending then value ascending. */
    static List<ValueCount> frequencies(List<Ev> es) {
        Map<String, Long> counts = new HashMap<>();
        es.forEach(e -> counts.merge(e.value().toString(), 1L, Long::sum));
        List<ValueCount> rows = new ArrayList<>();
        counts.forEach((v, c) -> rows.add(new ValueCount(v, c)));
        rows.sort(Comparator.comparingLong(ValueCount::count).reversed().thenComparing(ValueCount::value));
        return rows;
    }
}

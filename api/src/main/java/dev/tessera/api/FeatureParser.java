package dev.tessera.api;

import dev.tessera.api.YamlMapping.Scalar;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.nodes.Node;

/**
 * One entry of a group's {@code features:} list: the aggregation, its input and filter, and its
 * windows and hop, checked against the window arithmetic of SPEC §3.
 */
final class FeatureParser {
    static final List<String> FIELDS = List.of("name", "agg", "of", "where", "windows", "hop", "k", "p", "expect", "description");
    private static final String EXAMPLE = "{ name: payment_count, agg: count, windows: [1h, 1d] }";

    private FeatureParser() {
    }

    /** The feature, or null when anything about it is wrong (every problem is reported). */
    static Feature parse(String file, Node node, int index, String groupSubject, Problems problems) {
        YamlMapping m = YamlMapping.of(file, node, "feature " + index + " of " + groupSubject, EXAMPLE, problems);
        if (m == null) {
            return null;
        }
        int mark = problems.count();
        Scalar name = m.required("name", "add name: <lower_snake_case>, e.g. name: payment_count");
        if (name != null && !YamlMapping.NAME.matcher(name.value()).matches()) {
            problems.add(name.at(), "feature name '" + name.value() + "' in " + groupSubject + " is not valid: names"
                    + " start with a lower-case letter and use only a-z, 0-9 and _",
                    "try name: " + YamlMapping.suggestedName(name.value()));
        } else if (name != null) {
            m.describeAs("feature " + name.value());
        }
        m.checkFields(FIELDS);
        Aggregation agg = aggregation(m);
        Scalar of = m.fieldName("of");
        if (agg != null && agg.requiresOf() && of == null && !m.has("of")) {
            problems.add(m.location(), m.subject() + " (" + agg.yamlName() + ") has no 'of', the event field to"
                    + " aggregate", "add of: <field>, e.g. of: amount");
        }
        Scalar where = m.scalar("where");
        if (where != null) {
            WhereClauses.check(where, m.subject(), problems);
        }
        int k = k(m, agg);
        double p = p(m, agg);
        String label = name == null ? "#" + index : name.value();
        Map<TimeSpan, Location> windows = windows(m, label);
        TimeSpan hop = m.duration("hop");
        if (windows != null && hop != null) {
            checkHop(m, label, windows, hop);
        } else if (windows != null && !m.has("hop")) {
            checkDefaultHops(m, label, windows);
        }
        Expectation expect = ExpectationParser.feature(m);
        if (expect != null && agg != null) {
            checkExpectation(m, agg, expect);
        }
        String description = m.text("description");
        if (problems.addedSince(mark)) {
            return null;
        }
        Map<String, Location> valuesAt = new LinkedHashMap<>();
        if (of != null) {
            valuesAt.put("of", of.at());
        }
        if (where != null) {
            valuesAt.put("where", where.at());
        }
        Meta meta = new Meta(description, null, List.of(), m.location(), valuesAt);
        return new Feature(name.value(), agg, of == null ? null : of.value(), where == null ? null : where.value(),
                List.copyOf(windows.keySet()), hop, k, p, meta, expect);
    }

    /** Lists (last_k, top_k) have no numeric bounds nor single allowed values; counts are never null. */
    private static void checkExpectation(YamlMapping m, Aggregation agg, Expectation x) {
        boolean list = agg == Aggregation.LAST_K || agg == Aggregation.TOP_K;
        if (list && (x.min() != null || x.max() != null || !x.allowed().isEmpty())) {
            m.problems().add(x.location(), "expect of " + m.subject() + " sets min, max or allowed, but "
                    + agg.yamlName() + " serves a list", "a list feature takes not_null, max_null_rate or max_psi only");
        }
        boolean neverNull = agg == Aggregation.COUNT || agg == Aggregation.SUM || agg == Aggregation.APPROX_DISTINCT || list;
        if (neverNull && (x.notNull() || x.maxNullRate() != null)) {
            m.problems().add(x.location(), "expect of " + m.subject() + " checks nulls, but " + agg.yamlName()
                    + " is never null (an entity without events serves " + (list ? "[]" : "0") + ")",
                    "remove not_null and max_null_rate; use min: 1 to flag entities without events");
        }
    }

    private static Aggregation aggregation(YamlMapping m) {
        Scalar agg = m.required("agg", "add agg: <aggregation>; aggregations: "
                + String.join(", ", Aggregation.yamlNames()));
        if (agg == null) {
            return null;
        }
        return Aggregation.fromYaml(agg.value()).orElseGet(() -> {
            m.problems().add(agg.at(), "unknown aggregation '" + agg.value() + "' in " + m.subject(),
                    ClosestNames.hint(agg.value(), Aggregation.yamlNames(), "aggregations"));
            return null;
        });
    }

    private static int k(YamlMapping m, Aggregation agg) {
        Scalar k = m.scalar("k");
        if (agg == null) {
            return 0;
        }
        if (!agg.takesK()) {
            if (k != null) {
                m.problems().add(k.at(), "k is not used by aggregation " + agg.yamlName() + " in " + m.subject(),
                        "remove k; only last_k and top_k take k");
            }
            return 0;
        }
        int max = agg == Aggregation.LAST_K ? Aggregation.MAX_LAST_K : Aggregation.MAX_TOP_K;
        if (k == null) {
            if (!m.has("k")) {
                m.problems().add(m.location(), m.subject() + " (" + agg.yamlName() + ") has no k",
                        "add k: <1 to " + max + ">, how many values to keep, e.g. k: 5");
            }
            return 0;
        }
        long value;
        try {
            value = Long.parseLong(k.value().trim());
        } catch (NumberFormatException e) {
            m.problems().add(k.at(), "k of " + m.subject() + " must be a whole number, got '" + k.value() + "'",
                    "write k: <1 to " + max + ">, e.g. k: 5");
            return 0;
        }
        if (value < 1 || value > max) {
            m.problems().add(k.at(), "k " + value + " of " + m.subject() + " is out of range: " + agg.yamlName()
                    + " keeps 1 to " + max + " values", "set k between 1 and " + max);
            return 0;
        }
        return (int) value;
    }

    private static double p(YamlMapping m, Aggregation agg) {
        Scalar p = m.scalar("p");
        if (agg == null) {
            return Double.NaN;
        }
        if (!agg.takesP()) {
            if (p != null) {
                m.problems().add(p.at(), "p is not used by aggregation " + agg.yamlName() + " in " + m.subject(),
                        "remove p; only approx_percentile takes p");
            }
            return Double.NaN;
        }
        if (p == null) {
            if (!m.has("p")) {
                m.problems().add(m.location(), m.subject() + " (approx_percentile) has no p",
                        "add p: <quantile strictly between 0 and 1>, e.g. p: 0.95 for the 95th percentile");
            }
            return Double.NaN;
        }
        double value;
        try {
            value = Double.parseDouble(p.value().trim());
        } catch (NumberFormatException e) {
            m.problems().add(p.at(), "p of " + m.subject() + " must be a number, got '" + p.value() + "'",
                    "write p as a fraction strictly between 0 and 1, e.g. p: 0.95");
            return Double.NaN;
        }
        if (!(value > 0 && value < 1)) {
            String hint = value > 1 && value < 100
                    ? "write the quantile as a fraction: p: " + value / 100
                    : "p is a quantile strictly between 0 and 1, e.g. p: 0.5 for the median, p: 0.95";
            m.problems().add(p.at(), "p " + p.value() + " of " + m.subject() + " is outside (0, 1)", hint);
            return Double.NaN;
        }
        return value;
    }

    /** The windows in declaration order, each with where it is written: empty for a lifetime feature; null when invalid. */
    private static Map<TimeSpan, Location> windows(YamlMapping m, String name) {
        Map<TimeSpan, Location> windows = new LinkedHashMap<>();
        if (!m.has("windows")) {
            if (m.has("hop")) {
                m.problems().add(m.at("hop"), m.subject() + " has a hop but no windows; a lifetime feature has no hop",
                        "remove hop, or add windows: [...] to compute it over sliding windows");
            }
            return windows;
        }
        List<Scalar> items = m.list("windows", "[1h, 1d]");
        if (items == null) {
            return null;
        }
        if (items.isEmpty()) {
            m.problems().add(m.at("windows"), "windows of " + m.subject() + " is empty",
                    "list at least one window, e.g. windows: [1h, 1d], or remove windows for a lifetime feature");
            return null;
        }
        Map<TimeSpan, Scalar> seen = new LinkedHashMap<>();
        boolean valid = true;
        for (Scalar item : items) {
            TimeSpan window = m.duration(item, "window");
            if (window == null) {
                valid = false;
                continue;
            }
            Scalar first = seen.putIfAbsent(window, item);
            if (first != null) {
                String spelling = first.value().equals(item.value()) ? ""
                        : " (" + first.value() + " and " + item.value() + " are the same window)";
                m.problems().add(item.at(), "window " + window + " is listed twice in " + m.subject() + spelling
                        + "; both would serve " + name + "_" + window.text(), "remove one of them");
                valid = false;
            } else {
                windows.put(window, item.at());
            }
        }
        return valid ? windows : null;
    }

    /** An explicit hop must be no longer than, and divide, every window. */
    private static void checkHop(YamlMapping m, String name, Map<TimeSpan, Location> windows, TimeSpan hop) {
        long common = hop.millis();
        for (TimeSpan w : windows.keySet()) {
            common = gcd(common, w.millis());
        }
        String commonHop = new TimeSpan(common).text();
        for (Map.Entry<TimeSpan, Location> e : windows.entrySet()) {
            TimeSpan w = e.getKey();
            if (hop.compareTo(w) > 0) {
                m.problems().add(e.getValue(), "hop " + hop + " is longer than window " + w + " in feature " + name,
                        "use a hop that divides every window, e.g. hop: " + commonHop
                                + (w.defaultHop() != null ? ", or remove hop to use each window's default hop ("
                                + w + " → " + w.defaultHop() + ")" : ""));
            } else if (w.millis() % hop.millis() != 0) {
                long below = w.millis() / hop.millis() * hop.millis();
                m.problems().add(e.getValue(), "window " + w + " is not a multiple of hop " + hop + " in feature " + name,
                        "make the window a multiple of " + hop + " (e.g. " + new TimeSpan(below) + " or "
                                + new TimeSpan(below + hop.millis()) + "), or set hop: " + commonHop
                                + ", which divides every window");
            }
        }
    }

    /** Without an explicit hop, every window needs a default hop (SPEC §3). */
    private static void checkDefaultHops(YamlMapping m, String name, Map<TimeSpan, Location> windows) {
        String candidates = TimeSpan.HOP_CANDIDATES.stream().map(TimeSpan::text).collect(Collectors.joining(", "));
        for (Map.Entry<TimeSpan, Location> e : windows.entrySet()) {
            TimeSpan w = e.getKey();
            if (w.defaultHop() == null) {
                m.problems().add(e.getValue(), "window " + w + " of feature " + name + " has no default hop: none of "
                        + candidates + " divides it", "set hop explicitly, e.g. hop: "
                        + new TimeSpan(gcd(w.millis(), TimeSpan.SECOND)) + ", or use a window that is a whole number"
                        + " of seconds");
            }
        }
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}

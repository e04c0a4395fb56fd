package dev.tessera.api;

import dev.tessera.api.YamlMapping.Scalar;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.Node;

/**
 * {@code expect:} blocks (a Source's, by field, and a feature's) and a Source's {@code alerts:}
 * thresholds; see {@link Expectation} and {@link AlertThresholds}.
 */
final class ExpectationParser {
    static final List<String> SOURCE_RULES = List.of("min", "max", "not_null", "max_null_rate", "allowed");
    static final List<String> FEATURE_RULES = List.of("min", "max", "not_null", "max_null_rate", "allowed", "max_psi");
    static final List<String> ALERT_FIELDS = List.of("freshness", "lag", "reject_rate");
    private static final String SOURCE_EXAMPLE = "expect: { amount: { min: 0, max_null_rate: 0.01 }, status: { allowed: [APPROVED, DECLINED] } }";
    private static final String FEATURE_EXAMPLE = "expect: { min: 0, max: 100000, max_psi: 0.2 }";

    private ExpectationParser() {
    }

    /** A source's {@code expect:}, by field in file order; empty when absent. */
    static Map<String, Expectation> sourceFields(YamlMapping m) {
        Map<String, Expectation> out = new LinkedHashMap<>();
        YamlMapping block = m.mapping("expect", SOURCE_EXAMPLE);
        if (block == null) {
            return out;
        }
        block.describeAs("expect of " + m.subject());
        for (Map.Entry<Scalar, Node> e : block.mappingEntries(SOURCE_EXAMPLE)) {
            Scalar field = e.getKey();
            if (!block.validField(field, "expect")) {
                continue;
            }
            YamlMapping rules = YamlMapping.of(block.file(), e.getValue(), "expect of field '" + field.value() + "' in "
                    + m.subject(), "{ min: 0, not_null: true }", m.problems());
            if (rules == null) {
                continue;
            }
            Expectation x = rules(rules, false);
            if (x != null) {
                out.put(field.value(), x);
            }
        }
        return out;
    }

    /** A feature's {@code expect:}, or null when absent or wrong (reported). */
    static Expectation feature(YamlMapping m) {
        YamlMapping block = m.mapping("expect", FEATURE_EXAMPLE);
        if (block == null) {
            return null;
        }
        block.describeAs("expect of " + m.subject());
        return rules(block, true);
    }

    private static Expectation rules(YamlMapping m, boolean feature) {
        int mark = m.problems().count();
        m.checkFields(feature ? FEATURE_RULES : SOURCE_RULES);
        Double min = number(m, "min");
        Double max = number(m, "max");
        if (min != null && max != null && min > max) {
            m.problems().add(m.at("max"), "min " + Expectation.number(min) + " is above max " + Expectation.number(max)
                    + " in " + m.subject(), "swap them, or fix the one that is wrong");
        }
        boolean notNull = bool(m, "not_null");
        Double maxNullRate = number(m, "max_null_rate");
        if (maxNullRate != null && !(maxNullRate >= 0 && maxNullRate <= 1)) {
            m.problems().add(m.at("max_null_rate"), "max_null_rate " + Expectation.number(maxNullRate) + " of " + m.subject()
                    + " is not a share between 0 and 1", maxNullRate > 1 && maxNullRate <= 100
                    ? "write a percentage as a fraction: max_null_rate: " + maxNullRate / 100 : "e.g. max_null_rate: 0.01 for 1%");
        }
        if (notNull && maxNullRate != null) {
            m.problems().add(m.at("max_null_rate"), m.subject() + " sets both not_null and max_null_rate",
                    "keep not_null: true to flag every null, or max_null_rate to tolerate a share of them");
        }
        List<String> allowed = new ArrayList<>();
        if (m.has("allowed")) {
            List<Scalar> items = m.list("allowed", "[APPROVED, DECLINED]");
            if (items != null && items.isEmpty()) {
                m.problems().add(m.at("allowed"), "allowed of " + m.subject() + " is empty", "list the allowed values,"
                        + " e.g. allowed: [APPROVED, DECLINED], or remove allowed");
            } else if (items != null) {
                items.forEach(s -> allowed.add(s.value()));
            }
        }
        if (!allowed.isEmpty() && (min != null || max != null)) {
            m.problems().add(m.at("allowed"), m.subject() + " sets allowed values and a min or max",
                    "use allowed for categories and min/max for numbers");
        }
        Double maxPsi = feature ? number(m, "max_psi") : null;
        if (maxPsi != null && !(maxPsi > 0)) {
            m.problems().add(m.at("max_psi"), "max_psi of " + m.subject() + " must be above 0",
                    "0.1 flags a moderate shift, 0.2 a significant one (the usual reading of the PSI)");
        }
        if (m.problems().addedSince(mark)) {
            return null;
        }
        Expectation x = new Expectation(min, max, notNull, maxNullRate, allowed, maxPsi, m.location());
        if (x.rules().isEmpty()) {
            m.problems().add(m.location(), m.subject() + " sets no rule", "set at least one of "
                    + String.join(", ", feature ? FEATURE_RULES : SOURCE_RULES) + ", or remove it");
            return null;
        }
        return x;
    }

    /** A source's {@code alerts:} thresholds over the defaults. */
    static AlertThresholds alerts(YamlMapping m) {
        YamlMapping block = m.mapping("alerts", "alerts: { freshness: 5m, lag: 100000, reject_rate: 0.05 }");
        AlertThresholds d = AlertThresholds.DEFAULTS;
        if (block == null) {
            return d;
        }
        block.describeAs("alerts of " + m.subject());
        block.checkFields(ALERT_FIELDS);
        TimeSpan freshness = block.has("freshness") ? block.duration("freshness") : d.freshness();
        Double lag = number(block, "lag");
        if (lag != null && !(lag >= 0 && lag == Math.rint(lag))) {
            block.problems().add(block.at("lag"), "lag of " + block.subject() + " must be a whole number of records",
                    "e.g. lag: 100000");
            lag = null;
        }
        Double rate = number(block, "reject_rate");
        if (rate != null && !(rate >= 0 && rate <= 1)) {
            block.problems().add(block.at("reject_rate"), "reject_rate " + Expectation.number(rate) + " of " + block.subject()
                    + " is not a share between 0 and 1", "e.g. reject_rate: 0.05 for 5%");
            rate = null;
        }
        return new AlertThresholds(freshness == null ? d.freshness() : freshness, lag == null ? d.lag() : lag.longValue(),
                rate == null ? d.rejectRate() : rate);
    }

    private static Double number(YamlMapping m, String key) {
        Scalar s = m.scalar(key);
        if (s == null) {
            return null;
        }
        try {
            double d = Double.parseDouble(s.value().trim().replace("_", ""));
            if (Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        m.problems().add(s.at(), key + " of " + m.subject() + " must be a number, got '" + s.value() + "'",
                "write a plain number, e.g. " + key + ": 0");
        return null;
    }

    private static boolean bool(YamlMapping m, String key) {
        Scalar s = m.scalar(key);
        if (s == null) {
            return false;
        }
        if (s.value().equals("true") || s.value().equals("false")) {
            return s.value().equals("true");
        }
        m.problems().add(s.at(), key + " of " + m.subject() + " must be true or false, got '" + s.value() + "'",
                "write " + key + ": true");
        return false;
    }
}

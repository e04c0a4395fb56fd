package dev.tessera.api;

import java.util.ArrayList;
import java.util.List;

/**
 * A data-quality expectation (SPEC §8, {@code expect:}) on one source field or on every served
 * value of a feature. Each member that is set is one rule, checked live and alerted on:
 * <ul>
 *   <li>{@code min}, {@code max}: a number below or above is a violation (inclusive bounds);</li>
 *   <li>{@code not_null}: a null or missing value is a violation;</li>
 *   <li>{@code max_null_rate}: over the alert window, the share of null values must not exceed it;</li>
 *   <li>{@code allowed}: a non-null value whose text is not listed is a violation;</li>
 *   <li>{@code max_psi} (features only): the population stability index of the served values against
 *       the drift reference must not exceed it.</li>
 * </ul>
 * A rule never filters: a violating event is still applied and a violating value still served
 * (ADR 020). A NaN or infinite number counts as null, as it does for aggregation (SPEC §3).
 *
 * @param min         smallest allowed number, or null
 * @param max         largest allowed number, or null
 * @param notNull     whether a null is a violation
 * @param maxNullRate largest allowed share of nulls (0..1), or null
 * @param allowed     the allowed values as text, or empty for any
 * @param maxPsi      largest allowed population stability index, or null (no drift alert)
 * @param location    where {@code expect:} was written
 */
public record Expectation(Double min, Double max, boolean notNull, Double maxNullRate, List<String> allowed,
                          Double maxPsi, Location location) {
    public Expectation {
        allowed = List.copyOf(allowed);
    }

    /** The rules this expectation sets, in a fixed order. */
    public List<Rule> rules() {
        List<Rule> rules = new ArrayList<>();
        if (min != null) {
            rules.add(Rule.MIN);
        }
        if (max != null) {
            rules.add(Rule.MAX);
        }
        if (notNull) {
            rules.add(Rule.NOT_NULL);
        }
        if (maxNullRate != null) {
            rules.add(Rule.MAX_NULL_RATE);
        }
        if (!allowed.isEmpty()) {
            rules.add(Rule.ALLOWED);
        }
        if (maxPsi != null) {
            rules.add(Rule.MAX_PSI);
        }
        return rules;
    }

    /** What {@code rule} expects, as people read it: {@code ">= 0"}, {@code "in [APPROVED, DECLINED]"}. */
    public String describe(Rule rule) {
        return switch (rule) {
            case MIN -> ">= " + number(min);
            case MAX -> "<= " + number(max);
            case NOT_NULL -> "not null";
            case MAX_NULL_RATE -> "null rate <= " + number(maxNullRate);
            case ALLOWED -> "in " + allowed;
            case MAX_PSI -> "PSI <= " + number(maxPsi);
        };
    }

    /** A number without a needless ".0". */
    public static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** The rules, by their YAML names. */
    public enum Rule {
        MIN("min"), MAX("max"), NOT_NULL("not_null"), MAX_NULL_RATE("max_null_rate"), ALLOWED("allowed"), MAX_PSI("max_psi");

        private final String yamlName;

        Rule(String yamlName) {
            this.yamlName = yamlName;
        }

        public String yamlName() {
            return yamlName;
        }
    }
}

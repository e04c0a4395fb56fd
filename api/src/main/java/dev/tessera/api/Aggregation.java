package dev.tessera.api;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The aggregations of SPEC §2, by their YAML names. */
public enum Aggregation {
    COUNT("count", false),
    SUM("sum", true),
    AVG("avg", true),
    MIN("min", true),
    MAX("max", true),
    FIRST("first", true),
    LAST("last", true),
    LAST_K("last_k", true),
    APPROX_DISTINCT("approx_distinct", true),
    APPROX_PERCENTILE("approx_percentile", true),
    TOP_K("top_k", true);

    /** Largest k accepted by last_k (SPEC §2). */
    public static final int MAX_LAST_K = 100;
    /** Largest k accepted by top_k. */
    public static final int MAX_TOP_K = 100;

    private final String yamlName;
    private final boolean requiresOf;

    Aggregation(String yamlName, boolean requiresOf) {
        this.yamlName = yamlName;
        this.requiresOf = requiresOf;
    }

    public String yamlName() {
        return yamlName;
    }

    /** Whether the aggregation needs an input field ({@code of}); only count does not. */
    public boolean requiresOf() {
        return requiresOf;
    }

    public boolean takesK() {
        return this == LAST_K || this == TOP_K;
    }

    public boolean takesP() {
        return this == APPROX_PERCENTILE;
    }

    public static Optional<Aggregation> fromYaml(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(a -> a.yamlName.equals(n)).findFirst();
    }

    public static List<String> yamlNames() {
        return Arrays.stream(values()).map(Aggregation::yamlName).toList();
    }
}

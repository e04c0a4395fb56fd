package dev.tessera.inference;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Turns served feature values into a model's input numbers (ADR 022). The one rule, used online by
 * the scoring API and offline by {@code tessera train}, so a model sees the same numbers for the same
 * features on both paths:
 *
 * <ul>
 *   <li>null (no value, e.g. {@code avg} of an empty window): NaN, which models read as missing;
 *   <li>a number ({@code Long}, {@code Double}, ...): its double value; NaN and ±infinity are missing;
 *   <li>a boolean ({@code first}/{@code last} of a boolean field): 1 or 0;
 *   <li>a list ({@code last_k}, {@code top_k}): its number of items;
 *   <li>a string ({@code first}/{@code last}/{@code min}/{@code max} of a string field): the number the
 *       model's {@code categories} table gives it; a value the table lacks, or a string feature
 *       without a table, is missing.
 * </ul>
 * An input that has a table looks up every value by its text ({@code String.valueOf}), so a field
 * whose events mix numbers and strings reads the same online as from a CSV training set.
 *
 * <p>Immutable and thread-safe; {@link #encode(List, double[])} allocates nothing.
 */
public final class InputEncoder {
    private final List<String> inputs;
    private final Map<String, Double>[] tables;

    /**
     * @param inputs     the model's inputs, qualified names in order
     * @param categories for string inputs: value → number; inputs without an entry are not categorical
     */
    @SuppressWarnings("unchecked")
    public InputEncoder(List<String> inputs, Map<String, Map<String, Double>> categories) {
        this.inputs = List.copyOf(inputs);
        this.tables = new Map[this.inputs.size()];
        for (int i = 0; i < tables.length; i++) {
            Map<String, Double> t = categories.get(this.inputs.get(i));
            tables[i] = t == null ? null : Map.copyOf(t);
        }
        for (String f : categories.keySet()) {
            if (!this.inputs.contains(f)) {
                throw new IllegalArgumentException("categories for '" + f + "', which is not an input: " + this.inputs);
            }
        }
    }

    public List<String> inputs() {
        return inputs;
    }

    /** Whether input {@code i} is categorical (has a table). */
    public boolean categorical(int i) {
        return tables[i] != null;
    }

    /** The number of input {@code i} for a served value. */
    public double encode(int i, Object value) {
        if (value == null) {
            return Double.NaN;
        }
        Map<String, Double> table = tables[i];
        if (table != null) {
            Double v = table.get(value instanceof String s ? s : String.valueOf(value));
            return v == null ? Double.NaN : v;
        }
        return number(value);
    }

    /**
     * Fills {@code into} with the numbers of {@code values}.
     *
     * @param values one served value per input, in input order (the service's order)
     */
    public void encode(List<?> values, double[] into) {
        if (values.size() != tables.length || into.length != tables.length) {
            throw new IllegalArgumentException("the model has " + tables.length + " inputs; got " + values.size()
                    + " values and room for " + into.length);
        }
        for (int i = 0; i < into.length; i++) {
            into[i] = encode(i, values.get(i));
        }
    }

    /** The number of a value that needs no table: numbers, booleans, lists; anything else is missing (NaN). */
    public static double number(Object value) {
        if (value instanceof Number n) {
            double d = n.doubleValue();
            return Double.isFinite(d) ? d : Double.NaN;
        }
        if (value instanceof Boolean b) {
            return b ? 1.0 : 0.0;
        }
        if (value instanceof Collection<?> c) {
            return c.size();
        }
        return Double.NaN;
    }
}

package dev.tessera.inference;

import java.util.List;

/**
 * A model the registry loaded: a function from the numbers of its inputs to a score.
 *
 * <p>Inputs are the features of the model's feature service, in the service's order, named by
 * qualified name ({@code account_payments.declined_count_1h}); {@link InputEncoder} turns served
 * feature values into those numbers. {@code NaN} means missing: each format has its own rule for
 * it (a tree's default direction; a linear model's {@code missing} value).
 *
 * <p>Implementations are immutable and thread-safe, and {@link #score} allocates nothing, so one
 * instance serves every request.
 */
public interface Model {
    String name();

    int version();

    ModelFormat format();

    /** Qualified names of the inputs, in the order {@link #score} reads them. */
    List<String> inputs();

    /** Whether {@link #score} is a probability (logistic link or a logistic objective), not a raw prediction. */
    boolean probability();

    /**
     * The score of one row: a probability for logistic models and {@code binary:logistic} trees, the
     * raw prediction for linear models and regression trees.
     *
     * @param inputs one number per input, in {@link #inputs()} order; NaN for a missing value
     * @throws IllegalArgumentException when {@code inputs} does not have one value per input
     */
    double score(double[] inputs);
}

package dev.tessera.inference;

import java.util.List;

/**
 * {@code link(intercept + Σ weight_i · x_i)}, where a missing {@code x_i} (NaN) takes the model's
 * {@code missing_i}. The logistic link gives a probability; the identity link the linear predictor.
 * Arithmetic is in double, in input order.
 */
final class LinearModel implements Model {
    private final String name;
    private final int version;
    private final ModelFormat format;
    private final List<String> inputs;
    private final boolean logistic;
    private final double intercept;
    private final double[] weights;
    private final double[] missing;

    LinearModel(String name, int version, ModelFormat format, List<String> inputs, boolean logistic, double intercept,
                double[] weights, double[] missing) {
        if (weights.length != inputs.size() || missing.length != inputs.size()) {
            throw new IllegalArgumentException("one weight and one missing value per input");
        }
        this.name = name;
        this.version = version;
        this.format = format;
        this.inputs = List.copyOf(inputs);
        this.logistic = logistic;
        this.intercept = intercept;
        this.weights = weights.clone();
        this.missing = missing.clone();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int version() {
        return version;
    }

    @Override
    public ModelFormat format() {
        return format;
    }

    @Override
    public List<String> inputs() {
        return inputs;
    }

    @Override
    public boolean probability() {
        return logistic;
    }

    @Override
    public double score(double[] x) {
        if (x.length != weights.length) {
            throw new IllegalArgumentException("model " + name + " v" + version + " takes " + weights.length
                    + " inputs, got " + x.length);
        }
        double z = intercept;
        for (int i = 0; i < weights.length; i++) {
            double v = x[i];
            z += weights[i] * (Double.isNaN(v) ? missing[i] : v);
        }
        return logistic ? sigmoid(z) : z;
    }

    static double sigmoid(double z) {
        return 1.0 / (1.0 + Math.exp(-z));
    }

    @Override
    public String toString() {
        return name + " v" + version + " (" + format.yamlName() + ", " + inputs.size() + " inputs)";
    }
}

package dev.tessera.inference;

import java.util.List;

/**
 * An XGBoost tree ensemble ({@code gbtree}), evaluated as XGBoost evaluates it so scores equal
 * {@code Booster.predict} (checked on golden models in {@code XGBoostParityTest}):
 *
 * <ul>
 *   <li>inputs are read as 32-bit floats, as a DMatrix stores them, and compared with the float split
 *       condition: {@code x < condition} goes left; a missing input (NaN) goes to the node's default
 *       child;
 *   <li>the margin starts at the base margin ({@code base_score} through the objective's link) and adds
 *       each tree's leaf in tree order, in float;
 *   <li>the objective's transform gives the score: the sigmoid for {@code binary:logistic} and
 *       {@code reg:logistic}, nothing for {@code reg:squarederror} and {@code binary:logitraw}.
 * </ul>
 *
 * <p>Every tree lives in the same flat arrays (a node's children are absolute indices), so scoring
 * walks primitive arrays and allocates nothing.
 */
final class TreeEnsemble implements Model {
    /** {@link #feature} of a leaf. */
    static final int LEAF = -1;

    private final String name;
    private final int version;
    private final List<String> inputs;
    private final boolean sigmoid;
    private final float baseMargin;
    private final int[] roots;
    private final int[] feature;
    private final float[] condition; // split condition, or the leaf value
    private final int[] left;
    private final int[] right;
    private final int[] missing;

    TreeEnsemble(String name, int version, List<String> inputs, boolean sigmoid, float baseMargin, int[] roots, int[] feature,
                 float[] condition, int[] left, int[] right, int[] missing) {
        this.name = name;
        this.version = version;
        this.inputs = List.copyOf(inputs);
        this.sigmoid = sigmoid;
        this.baseMargin = baseMargin;
        this.roots = roots;
        this.feature = feature;
        this.condition = condition;
        this.left = left;
        this.right = right;
        this.missing = missing;
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
        return ModelFormat.XGBOOST;
    }

    @Override
    public List<String> inputs() {
        return inputs;
    }

    @Override
    public boolean probability() {
        return sigmoid;
    }

    int trees() {
        return roots.length;
    }

    @Override
    public double score(double[] x) {
        if (x.length != inputs.size()) {
            throw new IllegalArgumentException("model " + name + " v" + version + " takes " + inputs.size()
                    + " inputs, got " + x.length);
        }
        float margin = baseMargin;
        for (int root : roots) {
            int n = root;
            int f;
            while ((f = feature[n]) != LEAF) {
                float v = (float) x[f];
                n = v != v ? missing[n] : v < condition[n] ? left[n] : right[n];
            }
            margin += condition[n];
        }
        return sigmoid ? sigmoid(margin) : margin;
    }

    /** XGBoost's {@code 1 / (1 + exp(-x))} in float. */
    static float sigmoid(float x) {
        return 1.0f / (1.0f + (float) Math.exp(-x));
    }

    @Override
    public String toString() {
        return name + " v" + version + " (xgboost, " + roots.length + " trees, " + inputs.size() + " inputs)";
    }
}

package dev.tessera.inference;

import dev.tessera.api.Problems;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.Location;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads XGBoost's JSON model format ({@code Booster.saveModel("model.json")}, schema
 * {@code doc/model.schema} in XGBoost's sources) into a {@link TreeEnsemble} ({@code gbtree}) or a
 * {@link LinearModel} ({@code gblinear}), checking what the evaluator relies on:
 *
 * <ul>
 *   <li>{@code learner.objective.name}: binary:logistic, reg:logistic (sigmoid), binary:logitraw,
 *       reg:squarederror (none); one output ({@code num_class} 0, {@code num_target} 1);
 *   <li>{@code learner.learner_model_param.base_score}: the prediction before any tree, in the
 *       objective's output space (XGBoost 3 writes it as a one-element vector {@code "[5E-1]"}, 2.x as
 *       {@code "5E-1"}); the evaluator starts from its margin: {@code logit(base_score)} for the
 *       sigmoid objectives, {@code base_score} itself for the others ({@code binary:logitraw} included,
 *       as XGBoost 3.4 predicts);
 *   <li>{@code learner.feature_names}, when saved, equal the service's qualified names in order;
 *       otherwise {@code num_feature} equals the number of the service's features;
 *   <li>trees: numerical splits only (no categorical {@code split_type}), one value per leaf, children
 *       inside the tree and every node reached once from the root (so scoring always ends).
 * </ul>
 *
 * Floats are parsed from their decimal text straight to float, as XGBoost wrote them from floats.
 * The format's problems are reported at the file with the JSON path in the message: XGBoost writes
 * the whole model on one line, so a line number would say nothing.
 */
final class XGBoostJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    static final Set<String> SIGMOID = Set.of("binary:logistic", "reg:logistic");
    static final Set<String> IDENTITY = Set.of("binary:logitraw", "reg:squarederror");
    private static final String SAVE_HINT = "save the model with Booster.saveModel(\"model.json\") (the .json extension picks"
            + " the JSON format) and point artifact: at that file";

    private final String shownAs;
    private final Problems problems;
    private final Location at;

    private XGBoostJson(String shownAs, Problems problems) {
        this.shownAs = shownAs;
        this.problems = problems;
        this.at = new Location(shownAs, 0, 0);
    }

    /** The model in {@code file}, or null after reporting every problem found. */
    static Model read(Path file, String shownAs, String name, int version, List<String> inputs, String inputsHint,
            Problems problems) {
        XGBoostJson x = new XGBoostJson(shownAs, problems);
        x.inputsHint = inputsHint;
        return x.read(file, name, version, inputs);
    }

    /** What to do when the model's inputs are not the service's ({@link InputMismatch#hint}). */
    private String inputsHint = InputMismatch.HINT;

    private Model read(Path file, String name, int version, List<String> inputs) {
        JsonNode root;
        try {
            root = MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            problems.add(LinearModelFile.at(shownAs, e.getLocation()), "not an XGBoost JSON model: " + e.getOriginalMessage(),
                    SAVE_HINT);
            return null;
        } catch (IOException e) {
            problems.add(at, "cannot read model file " + shownAs + ": " + e.getMessage(), "check the file is readable");
            return null;
        }
        JsonNode learner = root == null ? null : root.get("learner");
        if (learner == null || !learner.isObject()) {
            problems.add(at, "not an XGBoost JSON model: " + shownAs + " has no 'learner' object", SAVE_HINT);
            return null;
        }
        int mark = problems.count();
        String objective = text(learner.path("objective").path("name"));
        boolean sigmoid = SIGMOID.contains(objective);
        if (!sigmoid && !IDENTITY.contains(objective)) {
            problems.add(at, "objective '" + objective + "' of XGBoost model " + shownAs + " is not supported"
                            + " (learner.objective.name)", "train with binary:logistic, reg:logistic, binary:logitraw or"
                            + " reg:squarederror: one output, scored without a link or through the sigmoid");
        }
        JsonNode param = learner.path("learner_model_param");
        int numClass = integer(param.path("num_class"), 0);
        int numTarget = integer(param.path("num_target"), 1);
        if (numClass > 1 || numTarget > 1) {
            problems.add(at, "XGBoost model " + shownAs + " has " + Math.max(numClass, numTarget)
                    + " outputs (num_class / num_target); a Tessera model scores one", "train one binary or regression model");
        }
        float baseScore = baseScore(param.path("base_score"));
        int numFeature = integer(param.path("num_feature"), -1);
        checkInputs(learner.path("feature_names"), numFeature, inputs);
        JsonNode booster = learner.path("gradient_booster");
        String kind = text(booster.path("name"));
        if (problems.addedSince(mark)) {
            return null;
        }
        float baseMargin = sigmoid ? logit(baseScore) : baseScore;
        return switch (kind) {
            case "gbtree" -> trees(booster.path("model"), name, version, inputs, sigmoid, baseMargin);
            case "gblinear" -> linear(booster.path("model"), name, version, inputs, sigmoid, baseMargin);
            default -> {
                problems.add(at, "booster '" + kind + "' of XGBoost model " + shownAs + " is not supported"
                        + " (learner.gradient_booster.name)", "train with booster gbtree (or gblinear)");
                yield null;
            }
        };
    }

    private void checkInputs(JsonNode names, int numFeature, List<String> inputs) {
        if (names.isArray() && !names.isEmpty()) {
            List<String> saved = new ArrayList<>();
            names.forEach(n -> saved.add(n.asText()));
            if (!saved.equals(inputs)) {
                problems.add(at, "the features XGBoost model " + shownAs + " was trained on (learner.feature_names) are not"
                        + " the service's: " + InputMismatch.describe(saved, inputs), inputsHint);
            }
        } else if (numFeature != inputs.size()) {
            problems.add(at, "XGBoost model " + shownAs + " takes " + numFeature + " features (num_feature) but the service has "
                    + inputs.size(), "train on the service's features in its order, and name them (DMatrix.setFeatureNames)"
                    + " so the registry can check them");
        }
    }

    private Model trees(JsonNode model, String name, int version, List<String> inputs, boolean sigmoid, float baseMargin) {
        JsonNode trees = model.path("trees");
        if (!trees.isArray()) {
            problems.add(at, "XGBoost model " + shownAs + " has no trees (learner.gradient_booster.model.trees)", SAVE_HINT);
            return null;
        }
        JsonNode info = model.path("tree_info");
        for (int t = 0; t < info.size(); t++) {
            if (info.get(t).asInt() != 0) {
                problems.add(at, "tree " + t + " of XGBoost model " + shownAs + " belongs to output " + info.get(t).asInt()
                        + " (tree_info); a Tessera model scores one output", "train one binary or regression model");
                return null;
            }
        }
        int total = 0;
        for (JsonNode tree : trees) {
            total += tree.path("left_children").size();
        }
        int[] roots = new int[trees.size()];
        int[] feature = new int[total];
        float[] condition = new float[total];
        int[] left = new int[total];
        int[] right = new int[total];
        int[] missing = new int[total];
        int base = 0;
        for (int t = 0; t < trees.size(); t++) {
            int n = readTree(trees.get(t), t, inputs.size(), base, feature, condition, left, right, missing);
            if (n < 0) {
                return null;
            }
            roots[t] = base;
            base += n;
        }
        return new TreeEnsemble(name, version, inputs, sigmoid, baseMargin, roots, feature, condition, left, right, missing);
    }

    /** Copies one tree into the flat arrays at {@code base}; its node count, or -1 after reporting a problem. */
    private int readTree(JsonNode tree, int t, int numFeature, int base, int[] feature, float[] condition, int[] left,
                         int[] right, int[] missing) {
        String where = "tree " + t + " of XGBoost model " + shownAs;
        JsonNode l = tree.path("left_children");
        JsonNode r = tree.path("right_children");
        JsonNode f = tree.path("split_indices");
        JsonNode c = tree.path("split_conditions");
        JsonNode d = tree.path("default_left");
        JsonNode type = tree.path("split_type");
        int n = l.size();
        if (n == 0 || r.size() != n || f.size() != n || c.size() != n || d.size() != n) {
            problems.add(at, where + " is malformed: left_children, right_children, split_indices, split_conditions and"
                    + " default_left must have one entry per node", SAVE_HINT);
            return -1;
        }
        if (integer(tree.path("tree_param").path("size_leaf_vector"), 1) > 1) {
            problems.add(at, where + " has vector leaves (multi-output trees)", "train one binary or regression model");
            return -1;
        }
        for (int i = 0; i < n; i++) {
            int li = l.get(i).asInt();
            int ri = r.get(i).asInt();
            if (type.size() == n && type.get(i).asInt() != 0) {
                problems.add(at, where + ": node " + i + " is a categorical split, which the evaluator does not read",
                        "encode categories as numbers before training (ADR 022), without enable_categorical");
                return -1;
            }
            int node = base + i;
            condition[node] = Float.parseFloat(c.get(i).asText());
            if (li == -1) {
                feature[node] = TreeEnsemble.LEAF;
                continue;
            }
            int fi = f.get(i).asInt();
            if (li <= 0 || li >= n || ri <= 0 || ri >= n || fi < 0 || fi >= numFeature) {
                problems.add(at, where + " is malformed: node " + i + " has children " + li + ", " + ri + " and feature " + fi
                        + " (" + n + " nodes, " + numFeature + " features)", SAVE_HINT);
                return -1;
            }
            feature[node] = fi;
            left[node] = base + li;
            right[node] = base + ri;
            missing[node] = d.get(i).asInt() != 0 ? base + li : base + ri;
        }
        // every node reached once from the root: no cycle, so a walk always ends at a leaf
        boolean[] seen = new boolean[n];
        int[] stack = new int[n + 1];
        int top = 0;
        stack[top++] = 0;
        while (top > 0) {
            int i = stack[--top];
            if (seen[i]) {
                problems.add(at, where + " is malformed: node " + i + " is reached twice", SAVE_HINT);
                return -1;
            }
            seen[i] = true;
            if (feature[base + i] != TreeEnsemble.LEAF) {
                stack[top++] = left[base + i] - base;
                stack[top++] = right[base + i] - base;
            }
        }
        return n;
    }

    private Model linear(JsonNode model, String name, int version, List<String> inputs, boolean sigmoid, float baseMargin) {
        JsonNode w = model.path("weights");
        if (!w.isArray() || w.size() != inputs.size() + 1) {
            problems.add(at, "gblinear model " + shownAs + " must have " + (inputs.size() + 1) + " weights (one per feature and"
                    + " the bias), has " + w.size(), SAVE_HINT);
            return null;
        }
        double[] weights = new double[inputs.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = Float.parseFloat(w.get(i).asText());
        }
        double intercept = (double) Float.parseFloat(w.get(inputs.size()).asText()) + baseMargin;
        // XGBoost leaves missing entries out of the sum: a missing input counts as 0
        return new LinearModel(name, version, ModelFormat.XGBOOST, inputs, sigmoid, intercept, weights, new double[inputs.size()]);
    }

    private float baseScore(JsonNode node) {
        String s = text(node).strip();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1).strip();
        }
        try {
            return Float.parseFloat(s);
        } catch (NumberFormatException e) {
            problems.add(at, "base_score '" + text(node) + "' of XGBoost model " + shownAs + " is not a number"
                    + " (learner.learner_model_param.base_score)", SAVE_HINT);
            return Float.NaN;
        }
    }

    /** XGBoost's ProbToMargin for the logistic objectives, in float: {@code -log(1/p - 1)}. */
    static float logit(float p) {
        return (float) -Math.log(1.0f / p - 1.0f);
    }

    private static String text(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? "" : n.asText();
    }

    private static int integer(JsonNode n, int absent) {
        if (n.isMissingNode() || n.isNull()) {
            return absent;
        }
        try {
            return Integer.parseInt(n.asText().strip());
        } catch (NumberFormatException e) {
            return absent;
        }
    }
}

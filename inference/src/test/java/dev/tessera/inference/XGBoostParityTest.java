package dev.tessera.inference;

import dev.tessera.api.Problems;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pure-Java evaluator against XGBoost itself: models are trained here by XGBoost4J on generated
 * data with missing values, saved as JSON ({@code Booster.saveModel}), read by the registry's reader,
 * and scored on 3,000 other rows — plus rows sitting exactly on every split condition and just below
 * it, and rows of NaN — which must equal {@code Booster.predict} within 1e-6, for each objective and
 * tree depth 1 to 6.
 */
class XGBoostParityTest {
    static final double TOLERANCE = 1e-6;
    static final int FEATURES = 8;
    static final List<String> NAMES = java.util.stream.IntStream.range(0, FEATURES).mapToObj(i -> "g.f" + i).toList();

    @TempDir
    Path tmp;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String objective : List.of("binary:logistic", "reg:squarederror", "reg:logistic", "binary:logitraw")) {
            for (int depth = 1; depth <= 6; depth++) {
                cases.add(Arguments.of(objective, depth));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} depth {1}")
    @MethodSource("cases")
    void treesScoreAsXGBoostPredicts(String objective, int depth) throws Exception {
        Map<String, Object> params = new HashMap<>();
        params.put("objective", objective);
        params.put("max_depth", depth);
        params.put("eta", 0.3);
        params.put("subsample", 0.8);
        params.put("colsample_bytree", 0.8);
        params.put("seed", depth);
        params.put("nthread", 1);
        Path file = train(params, objective.startsWith("reg:squared"), 40, 17 * depth);

        Model model = read(file);
        assertThat(model).isInstanceOf(TreeEnsemble.class);
        assertThat(((TreeEnsemble) model).trees()).isEqualTo(40);
        assertThat(model.probability()).isEqualTo(objective.equals("binary:logistic") || objective.equals("reg:logistic"));

        float[] rows = rows(new Random(1000 + depth), 3000);
        rows = concat(rows, boundaryRows(file));
        double diff = maxDifference(model, Booster.class.cast(XGBoost.loadModel(file.toString())), rows);
        System.out.printf(java.util.Locale.ROOT, "%s depth %d: max |evaluator - XGBoost| = %.3g over %d rows%n", objective, depth,
                diff, rows.length / FEATURES);
        assertThat(diff).isLessThanOrEqualTo(TOLERANCE);
    }

    @Test
    void gblinearScoresAsXGBoostPredicts() throws Exception {
        Map<String, Object> params = new HashMap<>();
        params.put("objective", "binary:logistic");
        params.put("booster", "gblinear");
        params.put("updater", "coord_descent");
        params.put("nthread", 1);
        Path file = train(params, false, 30, 5);

        Model model = read(file);
        assertThat(model).isInstanceOf(LinearModel.class);
        double diff = maxDifference(model, XGBoost.loadModel(file.toString()), rows(new Random(77), 3000));
        System.out.printf(java.util.Locale.ROOT, "gblinear binary:logistic: max |evaluator - XGBoost| = %.3g%n", diff);
        assertThat(diff).isLessThanOrEqualTo(TOLERANCE);
    }

    /** Trains on 3,000 generated rows and saves the model as JSON. */
    private Path train(Map<String, Object> params, boolean regression, int rounds, long seed) throws XGBoostError {
        Random rnd = new Random(seed);
        int n = 3000;
        float[] x = rows(rnd, n);
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            double s = signal(x, i) + rnd.nextGaussian() * 0.5;
            y[i] = regression ? (float) s : s > 0.3 ? 1f : 0f;
        }
        DMatrix train = new DMatrix(x, n, FEATURES, Float.NaN);
        train.setLabel(y);
        train.setFeatureNames(NAMES.toArray(String[]::new));
        Booster booster = XGBoost.train(train, params, rounds, new HashMap<>(), null, null);
        Path file = tmp.resolve("model-" + System.nanoTime() + ".json");
        booster.saveModel(file.toString());
        booster.dispose();
        train.dispose();
        return file;
    }

    /** Features like served ones: counts (ties on split values), amounts, a flag, a signed score; 5-20% missing each. */
    static float[] rows(Random rnd, int n) {
        float[] x = new float[n * FEATURES];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < FEATURES; f++) {
                double v = switch (f) {
                    case 0, 1 -> Math.floor(-Math.log(1 - rnd.nextDouble()) * (f == 0 ? 2 : 10)); // counts
                    case 2 -> Math.exp(rnd.nextGaussian() * 1.5 + 3); // amounts
                    case 3 -> rnd.nextBoolean() ? 1 : 0;
                    case 4 -> rnd.nextGaussian();
                    case 5 -> rnd.nextInt(40);
                    case 6 -> rnd.nextDouble() * 1e6;
                    default -> rnd.nextGaussian() * 1e-3;
                };
                x[i * FEATURES + f] = rnd.nextDouble() < 0.05 + 0.02 * f ? Float.NaN : (float) v;
            }
        }
        return x;
    }

    private static double signal(float[] x, int i) {
        double s = 0;
        float c0 = x[i * FEATURES], c1 = x[i * FEATURES + 1], amount = x[i * FEATURES + 2], flag = x[i * FEATURES + 3];
        s += Float.isNaN(c0) ? 0.8 : 0.3 * c0;
        s += Float.isNaN(c1) ? -0.2 : 0.02 * c1;
        s += Float.isNaN(amount) ? 0 : (amount > 100 ? 0.7 : -0.3);
        s += flag == 1f && c0 > 2 ? 1.0 : 0;
        s += Float.isNaN(x[i * FEATURES + 4]) ? 0 : 0.4 * x[i * FEATURES + 4];
        return s - 1;
    }

    /** For every split: a row with the feature exactly at the condition, one just below, the rest NaN; and an all-NaN row. */
    private static float[] boundaryRows(Path file) throws IOException {
        JsonNode trees = new ObjectMapper().readTree(file.toFile()).path("learner").path("gradient_booster").path("model").path("trees");
        List<float[]> out = new ArrayList<>();
        float[] nan = new float[FEATURES];
        java.util.Arrays.fill(nan, Float.NaN);
        out.add(nan);
        for (JsonNode t : trees) {
            for (int i = 0; i < t.path("left_children").size(); i++) {
                if (t.path("left_children").get(i).asInt() == -1) {
                    continue;
                }
                int f = t.path("split_indices").get(i).asInt();
                float c = Float.parseFloat(t.path("split_conditions").get(i).asText());
                for (float v : new float[] {c, Math.nextDown(c)}) {
                    float[] row = nan.clone();
                    row[f] = v;
                    out.add(row);
                }
            }
        }
        float[] flat = new float[out.size() * FEATURES];
        for (int r = 0; r < out.size(); r++) {
            System.arraycopy(out.get(r), 0, flat, r * FEATURES, FEATURES);
        }
        return flat;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    static Model read(Path file) {
        Problems problems = new Problems();
        Model m = XGBoostJson.read(file, file.getFileName().toString(), "golden", 1, NAMES, InputMismatch.HINT, problems);
        assertThat(problems.sorted()).isEmpty();
        return m;
    }

    static double maxDifference(Model model, Booster booster, float[] rows) throws XGBoostError {
        int n = rows.length / FEATURES;
        DMatrix m = new DMatrix(rows, n, FEATURES, Float.NaN);
        float[][] expected = booster.predict(m);
        double max = 0;
        double[] x = new double[FEATURES];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < FEATURES; f++) {
                x[f] = rows[i * FEATURES + f];
            }
            max = Math.max(max, Math.abs(model.score(x) - expected[i][0]));
        }
        m.dispose();
        booster.dispose();
        return max;
    }
}

package dev.tessera.offline.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.ClosestNames;
import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureRef;
import dev.tessera.api.FeatureService;
import dev.tessera.api.TesseraException;
import dev.tessera.inference.InputEncoder;
import dev.tessera.inference.LinearModelFile;
import dev.tessera.inference.ModelFormat;
import dev.tessera.inference.ModelInfo;
import dev.tessera.inference.ModelRegistry;
import dev.tessera.inference.RegisteredModel;
import dev.tessera.inference.RegistryFile;
import dev.tessera.inference.RegistryLoadResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * {@code tessera train}: fits a model on a training set that {@code tessera training-set} wrote and
 * puts it in a model registry folder (ADR 022).
 *
 * <ol>
 *   <li>Rows are read with their label; 20% of entities (by a hash of the entity key) are held out for
 *       validation, so an entity never lands on both sides.
 *   <li>Feature values become numbers by the registry's own rule ({@link InputEncoder}); a string feature
 *       gets a table from value to its smoothed positive rate on the training rows (target encoding,
 *       {@value #SMOOTHING} pseudo-rows of the overall rate), written to the registry file.
 *   <li>{@link Algorithm#XGBOOST}: gradient-boosted trees, {@code binary:logistic}, written in XGBoost's
 *       JSON format. {@link Algorithm#LOGISTIC}: XGBoost's {@code gblinear} booster on standardized
 *       inputs (a missing input left out, i.e. taken at its training mean), converted to Tessera's linear
 *       JSON with the standardization folded into the weights and the means as {@code missing} values.
 *   <li>The registry folder is loaded with the new files, as the scoring API would load it; the model as
 *       loaded scores every row, which gives the AUC and log loss reported (and written into the
 *       registry file), and its scores on the validation rows are compared with XGBoost's own
 *       {@code predict}: {@link Result#maxDifferenceToXGBoost()}.
 * </ol>
 * XGBoost runs on one thread with a fixed seed, so the same training set gives the same files.
 */
public final class ModelTraining {
    /** Pseudo-rows at the overall positive rate added to each category's counts. */
    static final double SMOOTHING = 20;
    /** Categories kept per string feature (the most frequent); rarer values are missing. */
    static final int MAX_CATEGORIES = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Algorithm {
        XGBOOST(ModelFormat.XGBOOST),
        LOGISTIC(ModelFormat.LOGISTIC);

        final ModelFormat format;

        Algorithm(ModelFormat format) {
            this.format = format;
        }
    }

    /**
     * What to train.
     *
     * @param rounds   trees (xgboost) or boosting rounds (logistic)
     * @param maxDepth tree depth (xgboost)
     * @param eta      learning rate
     * @param owner    null: the service's owner
     * @param description null: one that says what, from what, trained how
     */
    public record Options(Path trainingSet, String label, String service, String name, int version, Algorithm algorithm,
                          Path registry, int rounds, int maxDepth, double eta, long seed, String owner, String description,
                          Double threshold) {
        public static Options of(Path trainingSet, String label, String service, String name, int version, Algorithm algorithm,
                                 Path registry) {
            return new Options(trainingSet, label, service, name, version, algorithm, registry, 100, 4,
                    algorithm == Algorithm.XGBOOST ? 0.1 : 0.5, 42, null, null, null);
        }

        public Options withTrees(int rounds, int maxDepth, double eta) {
            return new Options(trainingSet, label, service, name, version, algorithm, registry, rounds, maxDepth, eta, seed, owner,
                    description, threshold);
        }

        public Options withMeta(String owner, String description, Double threshold) {
            return new Options(trainingSet, label, service, name, version, algorithm, registry, rounds, maxDepth, eta, seed, owner,
                    description, threshold);
        }
    }

    /** Rows, positives, AUC and log loss of one side of the split. */
    public record Metrics(long rows, long positives, double auc, double logLoss) {
    }

    /**
     * What was trained and written.
     *
     * @param maxDifferenceToXGBoost the largest |registry score − XGBoost predict| over the validation rows
     * @param categories             string features and the number of values in their tables
     * @param constantInputs         features with one value on every row (as the model reads it; NaN for null): the
     *                               model learns nothing from them, and a misspelt field in a definition looks so
     */
    public record Result(RegisteredModel model, Path registryFile, Path artifact, Metrics train, Metrics validation,
                         long rowsWithoutLabel, List<String> keyColumns, Map<String, Integer> categories,
                         double maxDifferenceToXGBoost, List<String> constantInputs) {
    }

    private final Definitions defs;

    public ModelTraining(Definitions defs) {
        this.defs = defs;
    }

    public Result train(Options o) throws IOException {
        FeatureService service = defs.service(o.service()).orElseThrow(() -> new TesseraException("unknown feature service '"
                + o.service() + "'; " + ClosestNames.hint(o.service(), defs.services().keySet(), "services")));
        checkRegistry(o);
        List<FeatureRef> features = service.features();
        List<String> inputs = features.stream().map(FeatureRef::qualifiedName).toList();
        TrainingTable table = TrainingTable.read(o.trainingSet(), service.name(), features, keyFields(service), o.label());
        int n = table.rows();
        int trainRows = (int) table.validation.stream().filter(v -> !v).count();
        if (trainRows == 0 || trainRows == n) {
            throw new TesseraException("training set " + o.trainingSet() + " has " + n + (n == 1 ? " labelled row of " : " labelled rows of ")
                    + (trainRows == 0 ? "held-out" : "training") + " entities only: it needs several entities to hold 20% of them out");
        }
        long positives = table.labels.stream().filter(b -> b).count();
        if (positives == 0 || positives == n) {
            throw new TesseraException("label '" + o.label() + "' is " + (positives == 0 ? "0" : "1") + " on every row of "
                    + o.trainingSet() + "; a classifier needs both");
        }
        Map<String, Map<String, Double>> categories = targetEncoding(table, inputs);
        InputEncoder encoder = new InputEncoder(inputs, categories);
        int f = inputs.size();
        double[][] x = new double[n][f];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < f; j++) {
                x[i][j] = encoder.encode(j, table.values.get(i)[j]);
            }
        }
        List<String> constant = new ArrayList<>();
        for (int j = 0; j < f; j++) {
            boolean same = true;
            for (int i = 1; i < n && same; i++) {
                same = Double.compare(x[i][j], x[0][j]) == 0;
            }
            if (same) {
                constant.add(inputs.get(j));
            }
        }
        Files.createDirectories(o.registry());
        String base = o.name() + "_v" + o.version();
        Path artifact = o.registry().resolve(base + ".json");
        Path yaml = o.registry().resolve(RegistryFile.fileName(o.name(), o.version()));
        float[] xgboostValidation;
        Map<String, String> how = new LinkedHashMap<>();
        try {
            xgboostValidation = o.algorithm() == Algorithm.XGBOOST ? trees(o, table, x, inputs, artifact, how)
                    : logistic(o, table, x, inputs, artifact, how);
        } catch (XGBoostError e) {
            throw new TesseraException("XGBoost failed: " + e.getMessage(), e);
        }
        Map<String, String> training = new LinkedHashMap<>();
        training.put("training_set", o.trainingSet().getFileName().toString());
        training.put("label", o.label());
        training.putAll(how);
        ModelInfo info = new ModelInfo(o.name(), o.version(), o.algorithm().format, service.name(), artifact.getFileName().toString(),
                o.owner() != null ? o.owner() : service.meta() != null && service.meta().owner() != null ? service.meta().owner()
                        : "unknown", o.description() != null ? o.description() : description(o, service), o.threshold(), categories,
                training, null);
        String comment = "Written by tessera train (ADR 022). Retrain rather than edit: the artifact and the categories belong together.";
        RegisteredModel model;
        try {
            RegistryFile.write(yaml, info, comment);
            model = loadBack(o, yaml);
        } catch (RuntimeException | IOException e) {
            Files.deleteIfExists(yaml);
            Files.deleteIfExists(artifact);
            throw e;
        }
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            scores[i] = model.model().score(x[i]);
        }
        double maxDiff = 0;
        for (int i = 0, v = 0; i < n; i++) {
            if (table.validation.get(i)) {
                maxDiff = Math.max(maxDiff, Math.abs(scores[i] - xgboostValidation[v++]));
            }
        }
        Metrics trainMetrics = metrics(table, scores, false);
        Metrics validationMetrics = metrics(table, scores, true);
        training.put("rows", Long.toString(n));
        training.put("validation_rows", Long.toString(validationMetrics.rows()));
        training.put("positive_rate", round(positives / (double) n));
        training.put("train_auc", round(trainMetrics.auc()));
        training.put("validation_auc", round(validationMetrics.auc()));
        training.put("train_log_loss", round(trainMetrics.logLoss()));
        training.put("validation_log_loss", round(validationMetrics.logLoss()));
        RegistryFile.write(yaml, new ModelInfo(info.name(), info.version(), info.format(), info.service(), info.artifact(), info.owner(),
                info.description(), info.threshold(), info.categories(), training, null), comment);
        model = loadBack(o, yaml);
        Map<String, Integer> sizes = new LinkedHashMap<>();
        categories.forEach((k, v) -> sizes.put(k, v.size()));
        return new Result(model, yaml, artifact, trainMetrics, validationMetrics, table.rowsWithoutLabel, table.keyColumns, sizes, maxDiff,
                List.copyOf(constant));
    }

    /** The registry must load before (so a failure after training is ours) and must not have this version yet. */
    private void checkRegistry(Options o) {
        if (!Files.isDirectory(o.registry())) {
            return;
        }
        RegistryLoadResult r = ModelRegistry.validate(o.registry(), defs);
        if (!r.ok()) {
            throw new TesseraException("the model registry in " + o.registry() + " has problems; fix them before adding a model:\n"
                    + r.problems().stream().map(p -> "  " + p).collect(Collectors.joining("\n")));
        }
        r.registry().get(o.name(), o.version()).ifPresent(m -> {
            throw new TesseraException("model " + m.info().label() + " is already in the registry (" + m.info().location().file()
                    + "); train version " + (r.registry().latest(o.name()).orElseThrow().version() + 1) + ", or delete that file first");
        });
    }

    private RegisteredModel loadBack(Options o, Path yaml) {
        return ModelRegistry.load(o.registry(), defs).get(o.name(), o.version()).orElseThrow(() -> new IllegalStateException(
                "the registry did not load " + yaml));
    }

    private Set<String> keyFields(FeatureService service) {
        Set<String> keys = new LinkedHashSet<>();
        for (FeatureRef ref : service.features()) {
            keys.addAll(defs.entityOf(defs.group(ref.group()).orElseThrow()).keys());
        }
        return keys;
    }

    private static String description(Options o, FeatureService service) {
        String how = o.algorithm() == Algorithm.XGBOOST
                ? "gradient-boosted trees (" + o.rounds() + " of depth " + o.maxDepth() + ")" : "logistic regression";
        return "P(" + o.label() + ") from the features of " + service.name() + ": " + how + ", trained by tessera train on "
                + o.trainingSet().getFileName();
    }

    /** For each string feature: value → smoothed positive rate over the training rows (rounded to 6 digits). */
    private static Map<String, Map<String, Double>> targetEncoding(TrainingTable t, List<String> inputs) {
        long n = 0;
        long pos = 0;
        for (int i = 0; i < t.rows(); i++) {
            if (!t.validation.get(i)) {
                n++;
                pos += t.labels.get(i) ? 1 : 0;
            }
        }
        double prior = pos / (double) n;
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (int j = 0; j < inputs.size(); j++) {
            if (!t.categorical[j]) {
                continue;
            }
            Map<String, long[]> counts = new HashMap<>();
            for (int i = 0; i < t.rows(); i++) {
                Object v = t.values.get(i)[j];
                if (v != null && !t.validation.get(i)) {
                    long[] c = counts.computeIfAbsent((String) v, k -> new long[2]);
                    c[0]++;
                    c[1] += t.labels.get(i) ? 1 : 0;
                }
            }
            List<Map.Entry<String, long[]>> kept = counts.entrySet().stream()
                    .sorted((a, b) -> a.getValue()[0] != b.getValue()[0] ? Long.compare(b.getValue()[0], a.getValue()[0])
                            : a.getKey().compareTo(b.getKey()))
                    .limit(MAX_CATEGORIES).toList();
            Map<String, Double> table = new TreeMap<>();
            for (Map.Entry<String, long[]> e : kept) {
                double rate = (e.getValue()[1] + SMOOTHING * prior) / (e.getValue()[0] + SMOOTHING);
                table.put(e.getKey(), Math.round(rate * 1e6) / 1e6);
            }
            out.put(inputs.get(j), table);
        }
        return out;
    }

    private float[] trees(Options o, TrainingTable t, double[][] x, List<String> inputs, Path artifact, Map<String, String> how)
            throws XGBoostError {
        Map<String, Object> params = new HashMap<>();
        params.put("objective", "binary:logistic");
        params.put("tree_method", "hist");
        params.put("max_depth", o.maxDepth());
        params.put("eta", o.eta());
        params.put("seed", o.seed());
        params.put("nthread", 1);
        DMatrix train = matrix(t, x, false, null, null, inputs);
        DMatrix valid = matrix(t, x, true, null, null, inputs);
        try {
            Booster booster = XGBoost.train(train, params, o.rounds(), new HashMap<>(), null, null);
            booster.saveModel(artifact.toString());
            how.put("algorithm", "xgboost " + xgboostVersion() + " gbtree binary:logistic");
            how.put("trees", Integer.toString(o.rounds()));
            how.put("max_depth", Integer.toString(o.maxDepth()));
            how.put("eta", Double.toString(o.eta()));
            float[] p = column(booster.predict(valid));
            booster.dispose();
            return p;
        } finally {
            train.dispose();
            valid.dispose();
        }
    }

    /**
     * gblinear on standardized inputs, folded back: with z = (x − mean) / sd, the booster's
     * {@code bias + base margin + Σ w·z} is {@code intercept + Σ (w/sd)·x} with
     * {@code intercept = bias + base margin − Σ w·mean/sd}; a missing z is left out of the sum, which is
     * x taken at its mean.
     */
    private float[] logistic(Options o, TrainingTable t, double[][] x, List<String> inputs, Path artifact, Map<String, String> how)
            throws XGBoostError, IOException {
        int f = inputs.size();
        double[] mean = new double[f];
        double[] sd = new double[f];
        for (int j = 0; j < f; j++) {
            double sum = 0;
            double sq = 0;
            long count = 0;
            for (int i = 0; i < x.length; i++) {
                double v = x[i][j];
                if (!t.validation.get(i) && !Double.isNaN(v)) {
                    sum += v;
                    sq += v * v;
                    count++;
                }
            }
            mean[j] = count == 0 ? 0 : sum / count;
            double var = count == 0 ? 0 : sq / count - mean[j] * mean[j];
            sd[j] = var > 1e-24 ? Math.sqrt(var) : 1;
        }
        Map<String, Object> params = new HashMap<>();
        params.put("objective", "binary:logistic");
        params.put("booster", "gblinear");
        params.put("updater", "coord_descent");
        params.put("feature_selector", "cyclic");
        params.put("lambda", 1.0);
        params.put("alpha", 0.0);
        params.put("eta", o.eta());
        params.put("seed", o.seed());
        params.put("nthread", 1);
        // XGBoost 3 prints "booster=gblinear is deprecated" on every run, which a user of tessera train can do nothing
        // about (the version is pinned in the parent POM; ModelTrainingTest fails first if a newer one drops gblinear)
        params.put("verbosity", 0);
        DMatrix train = matrix(t, x, false, mean, sd, inputs);
        DMatrix valid = matrix(t, x, true, mean, sd, inputs);
        try {
            Booster booster = XGBoost.train(train, params, o.rounds(), new HashMap<>(), null, null);
            JsonNode learner = JSON.readTree(booster.toByteArray("json")).path("learner");
            JsonNode w = learner.path("gradient_booster").path("model").path("weights");
            String bs = learner.path("learner_model_param").path("base_score").asText().replace("[", "").replace("]", "").strip();
            float baseScore = Float.parseFloat(bs);
            double intercept = Float.parseFloat(w.get(f).asText()) + (double) (float) -Math.log(1.0f / baseScore - 1.0f);
            Map<String, Double> weights = new LinkedHashMap<>();
            Map<String, Double> missing = new LinkedHashMap<>();
            for (int j = 0; j < f; j++) {
                double wj = Float.parseFloat(w.get(j).asText());
                weights.put(inputs.get(j), wj / sd[j]);
                missing.put(inputs.get(j), mean[j]);
                intercept -= wj * mean[j] / sd[j];
            }
            new LinearModelFile(intercept, weights, missing).write(artifact);
            how.put("algorithm", "xgboost " + xgboostVersion() + " gblinear binary:logistic (coordinate descent, L2 1.0)"
                    + " on standardized inputs");
            how.put("rounds", Integer.toString(o.rounds()));
            how.put("eta", Double.toString(o.eta()));
            float[] p = column(booster.predict(valid));
            booster.dispose();
            return p;
        } finally {
            train.dispose();
            valid.dispose();
        }
    }

    /** The rows of one side as a DMatrix (standardized when {@code mean} is given), NaN missing, features named. */
    private static DMatrix matrix(TrainingTable t, double[][] x, boolean validation, double[] mean, double[] sd, List<String> inputs)
            throws XGBoostError {
        int f = inputs.size();
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (t.validation.get(i) == validation) {
                rows.add(i);
            }
        }
        float[] data = new float[rows.size() * f];
        float[] labels = new float[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            int i = rows.get(r);
            for (int j = 0; j < f; j++) {
                double v = x[i][j];
                data[r * f + j] = (float) (mean == null ? v : (v - mean[j]) / sd[j]);
            }
            labels[r] = t.labels.get(i) ? 1f : 0f;
        }
        DMatrix m = new DMatrix(data, rows.size(), f, Float.NaN);
        m.setLabel(labels);
        m.setFeatureNames(inputs.toArray(String[]::new));
        return m;
    }

    private static float[] column(float[][] predictions) {
        float[] p = new float[predictions.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = predictions[i][0];
        }
        return p;
    }

    private static Metrics metrics(TrainingTable t, double[] scores, boolean validation) {
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            if (t.validation.get(i) == validation) {
                rows.add(i);
            }
        }
        double[] s = new double[rows.size()];
        boolean[] y = new boolean[rows.size()];
        long positives = 0;
        for (int r = 0; r < s.length; r++) {
            s[r] = scores[rows.get(r)];
            y[r] = t.labels.get(rows.get(r));
            positives += y[r] ? 1 : 0;
        }
        return new Metrics(s.length, positives, BinaryMetrics.auc(s, y), BinaryMetrics.logLoss(s, y));
    }

    private static String round(double d) {
        return Double.isNaN(d) ? "n/a" : String.format(Locale.ROOT, "%.4f", d);
    }

    static String xgboostVersion() {
        try (var in = XGBoost.class.getResourceAsStream("/xgboost4j-version.properties")) {
            if (in != null) {
                java.util.Properties p = new java.util.Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null) {
                    return v.strip();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "3.4.0";
    }
}

package dev.tessera.bench.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * The models of the hand-written scoring service ({@link RedisVectorService}'s {@code POST /v1/score}),
 * scored the way a team without Tessera would: the tree model through XGBoost4J, the library that
 * trained it ({@code Booster.inplace_predict} on one float row, one thread per call, as
 * {@code ModelScoreBenchmark}'s baseline); the logistic model as the dot product its JSON file
 * describes ({@code intercept}, {@code weights}, {@code missing} per input, logistic link). Inputs
 * arrive already encoded (the precomputing job's work): numbers, list sizes, a country's rate.
 *
 * <p>Spec: {@code name:version:format:path[,...]}, format {@code xgboost} or {@code logistic}.
 */
final class HandWrittenModels implements AutoCloseable {
    /** One model version: its inputs' names, in the order the row must have, and its score. */
    record Scorer(List<String> inputs, java.util.function.ToDoubleFunction<double[]> model) {
        double score(double[] row) {
            return model.applyAsDouble(row);
        }
    }

    private final Map<String, Scorer> byKey = new LinkedHashMap<>();
    private final List<Booster> boosters = new ArrayList<>();

    static HandWrittenModels load(String spec) throws IOException, XGBoostError {
        HandWrittenModels models = new HandWrittenModels();
        try {
            for (String one : spec.split(",")) {
                String[] p = one.trim().split(":", 4);
                if (p.length != 4) {
                    throw new IllegalArgumentException("model spec '" + one + "': expected name:version:format:path");
                }
                String key = key(p[0], Integer.parseInt(p[1]));
                switch (p[2]) {
                    case "logistic" -> models.byKey.put(key, logistic(Path.of(p[3])));
                    case "xgboost" -> models.byKey.put(key, models.trees(Path.of(p[3]), inputsFromNames(p[3])));
                    default -> throw new IllegalArgumentException("model spec '" + one + "': format must be xgboost or logistic");
                }
            }
            return models;
        } catch (IOException | XGBoostError | RuntimeException e) {
            models.close();
            throw e;
        }
    }

    static String key(String model, int version) {
        return model + ":" + version;
    }

    /** The scorer of {@code model} version {@code version}, or null. */
    Scorer get(String model, int version) {
        return byKey.get(key(model, version));
    }

    private Scorer trees(Path file, List<String> inputs) throws XGBoostError {
        Booster booster = XGBoost.loadModel(file.toString());
        boosters.add(booster);
        booster.setParam("nthread", 1); // one row per call: OpenMP's threads only add hand-offs
        return new Scorer(inputs, row -> {
            float[] x = new float[row.length];
            for (int i = 0; i < row.length; i++) {
                x[i] = (float) row[i];
            }
            try {
                return booster.inplace_predict(x, 1, x.length, Float.NaN)[0][0];
            } catch (XGBoostError e) {
                throw new IllegalStateException("XGBoost could not score a row: " + e.getMessage(), e);
            }
        });
    }

    /** An XGBoost JSON model's {@code feature_names}: the row's order. */
    private static List<String> inputsFromNames(String file) throws IOException {
        JsonNode names = new ObjectMapper().readTree(Path.of(file).toFile()).path("learner").path("feature_names");
        if (!names.isArray() || names.isEmpty()) {
            throw new IllegalArgumentException(file + " has no learner.feature_names: the row's order is unknown");
        }
        List<String> inputs = new ArrayList<>();
        names.forEach(n -> inputs.add(n.asText()));
        return List.copyOf(inputs);
    }

    private static Scorer logistic(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        double intercept = root.path("intercept").asDouble();
        List<String> inputs = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("weights").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            inputs.add(e.getKey());
            weights.add(e.getValue().asDouble());
        }
        double[] w = weights.stream().mapToDouble(Double::doubleValue).toArray();
        double[] missing = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            JsonNode m = root.path("missing").get(inputs.get(i));
            if (m == null) {
                throw new IllegalArgumentException(file + ": no missing value for " + inputs.get(i));
            }
            missing[i] = m.asDouble();
        }
        return new Scorer(List.copyOf(inputs), row -> {
            double z = intercept;
            for (int i = 0; i < w.length; i++) {
                z += w[i] * (Double.isNaN(row[i]) ? missing[i] : row[i]);
            }
            return 1.0 / (1.0 + Math.exp(-z));
        });
    }

    @Override
    public void close() {
        for (Booster b : boosters) {
            b.dispose();
        }
        boosters.clear();
    }
}

package dev.tessera.offline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureRef;
import dev.tessera.api.TesseraException;
import dev.tessera.inference.ModelFormat;
import dev.tessera.inference.ModelRegistry;
import dev.tessera.inference.RegisteredModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tessera train} end to end below the command line: a training set built by
 * {@link TrainingSetBuilder} from {@link TrainingWorld} (service {@code risk}: counts, sums, sketches,
 * lists, first/last strings) with a label that busy accounts tend to have, written as Parquet and as
 * CSV; trees and a logistic model trained on them; the registry loads what was written, and the loaded
 * models score every validation row as XGBoost4J does. Entities never straddle the split, and the
 * reported AUC equals a brute-force count of pairs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelTrainingTest {
    Path dir;

    Definitions defs;
    Path parquet;
    Path csv;

    @BeforeAll
    void trainingSets(@TempDir Path tmp) throws IOException {
        dir = tmp;
        TrainingWorld world = new TrainingWorld(11, 80);
        world.generate(4000, 1500);
        Path defsDir = TrainingWorld.writeDefinitions(dir.resolve("features"));
        defs = DefinitionLoader.load(defsDir);
        StringBuilder spine = new StringBuilder("account_id,card,ts,chargeback\n");
        for (int i = 0; i < 2000; i++) {
            String account = world.account();
            int index = Integer.parseInt(account.substring("acct-".length()));
            boolean label = (index < 10) != (world.rnd.nextInt(10) == 0);
            String card = world.rnd.nextInt(8) == 0 ? "" : "card-" + world.rnd.nextInt(12);
            String y = world.rnd.nextInt(50) == 0 ? "" : label ? "1" : "0"; // a few unknown labels
            spine.append(account).append(',').append(card).append(',').append(world.time()).append(',').append(y).append('\n');
        }
        Path spineFile = dir.resolve("spine.csv");
        Files.writeString(spineFile, spine.toString(), StandardCharsets.UTF_8);
        TrainingSetBuilder builder = new TrainingSetBuilder(defs, defsDir, src -> world.scan(src.name()));
        parquet = dir.resolve("train.parquet");
        csv = dir.resolve("train.csv");
        builder.build(TrainingSetBuilder.Options.of(spineFile, "risk", parquet, dir.resolve("work")), TrainingSetBuilder.Progress.NONE);
        builder.build(TrainingSetBuilder.Options.of(spineFile, "risk", csv, dir.resolve("work")), TrainingSetBuilder.Progress.NONE);
    }

    @Test
    void treesFromParquetScoreAsXGBoostPredicts() throws Exception {
        Path registry = dir.resolve("models-trees");
        ModelTraining.Result r = new ModelTraining(defs).train(ModelTraining.Options.of(parquet, "chargeback", "risk", "risk", 1,
                ModelTraining.Algorithm.XGBOOST, registry).withTrees(40, 3, 0.2));

        System.out.printf(Locale.ROOT, "trees: train AUC %.4f, validation AUC %.4f, log loss %.4f, max |registry - XGBoost| %.3g%n",
                r.train().auc(), r.validation().auc(), r.validation().logLoss(), r.maxDifferenceToXGBoost());
        assertThat(r.maxDifferenceToXGBoost()).isLessThanOrEqualTo(1e-6);
        assertThat(r.validation().auc()).as("busy accounts are learnable from their counts").isGreaterThan(0.6);
        assertThat(r.rowsWithoutLabel()).isPositive();
        assertThat(r.keyColumns()).containsExactly("account_id", "card");
        // features with one value on every labelled row, from the training set itself
        List<java.util.Map<String, Object>> table = TrainingSetOracleTest.readParquet(parquet).stream()
                .filter(row -> row.get("chargeback") != null && !"".equals(row.get("chargeback"))).toList();
        List<String> constant = new ArrayList<>();
        for (FeatureRef ref : defs.service("risk").orElseThrow().features()) {
            if (table.stream().map(row -> String.valueOf(row.get(ref.columnName()))).distinct().count() == 1) {
                constant.add(ref.qualifiedName());
            }
        }
        assertThat(r.constantInputs()).isEqualTo(constant);

        // a feature zeroed on every row (what a misspelt field gives) is called out
        List<String> lines = Files.readAllLines(csv);
        int col = java.util.Arrays.asList(lines.get(0).split(",", -1)).indexOf("account_payments__amount_max_1d");
        assertThat(col).isNotNegative();
        StringBuilder zeroed = new StringBuilder(lines.get(0)).append('\n');
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", col + 2); // the cells up to it hold no quoted commas (the lists come after it)
            assertThat(String.join(",", java.util.Arrays.copyOf(cells, col + 1))).doesNotContain("\"");
            cells[col] = "0";
            zeroed.append(String.join(",", cells)).append('\n');
        }
        Path zeroedCsv = dir.resolve("train-zeroed.csv");
        Files.writeString(zeroedCsv, zeroed.toString(), StandardCharsets.UTF_8);
        ModelTraining.Result z = new ModelTraining(defs).train(ModelTraining.Options.of(zeroedCsv, "chargeback", "risk", "risk", 3,
                ModelTraining.Algorithm.XGBOOST, dir.resolve("models-zeroed")).withTrees(5, 2, 0.3));
        assertThat(z.constantInputs()).contains("account_payments.amount_max_1d").containsAll(constant);
        assertThat(r.categories()).containsOnlyKeys("account_payments.first_country", "account_payments.last_country");
        assertThat(Files.readString(r.registryFile())).contains("format: xgboost", "service: risk", "categories:",
                "validation_auc: \"" + String.format(Locale.ROOT, "%.4f", r.validation().auc()) + "\"");

        RegisteredModel m = ModelRegistry.load(registry, defs).get("risk", 1).orElseThrow();
        assertThat(m.model().format()).isEqualTo(ModelFormat.XGBOOST);
        // independently: re-read the file, encode as serving would, score, and ask XGBoost itself
        Booster booster = XGBoost.loadModel(r.artifact().toString());
        List<double[]> rows = new ArrayList<>();
        List<Boolean> labels = new ArrayList<>();
        Set<String> trainKeys = new HashSet<>();
        Set<String> validationKeys = new HashSet<>();
        readValidation(parquet, m, rows, labels, trainKeys, validationKeys);
        assertThat(trainKeys).doesNotContainAnyElementsOf(validationKeys);
        assertThat(validationKeys.size()).isGreaterThan(5);
        assertThat((long) rows.size()).isEqualTo(r.validation().rows());
        int f = m.model().inputs().size();
        float[] flat = new float[rows.size() * f];
        for (int i = 0; i < rows.size(); i++) {
            for (int j = 0; j < f; j++) {
                flat[i * f + j] = (float) rows.get(i)[j];
            }
        }
        float[][] expected = booster.predict(new DMatrix(flat, rows.size(), f, Float.NaN));
        double[] scores = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            scores[i] = m.model().score(rows.get(i));
            assertThat(scores[i]).isCloseTo(expected[i][0], within(1e-6));
        }
        assertThat(r.validation().auc()).isCloseTo(bruteForceAuc(scores, labels), within(1e-12));
    }

    @Test
    void logisticFromCsvScoresAsGblinearPredicts() throws Exception {
        Path registry = dir.resolve("models-logistic");
        ModelTraining.Result r = new ModelTraining(defs).train(ModelTraining.Options.of(csv, "chargeback", "risk", "risk", 2,
                ModelTraining.Algorithm.LOGISTIC, registry));

        System.out.printf(Locale.ROOT, "logistic: train AUC %.4f, validation AUC %.4f, log loss %.4f, max |registry - XGBoost| %.3g%n",
                r.train().auc(), r.validation().auc(), r.validation().logLoss(), r.maxDifferenceToXGBoost());
        assertThat(r.maxDifferenceToXGBoost()).isLessThanOrEqualTo(1e-6);
        assertThat(r.validation().auc()).isGreaterThan(0.6);
        assertThat(r.model().model().format()).isEqualTo(ModelFormat.LOGISTIC);
        assertThat(r.categories()).containsOnlyKeys("account_payments.first_country", "account_payments.last_country");
        String json = Files.readString(r.artifact());
        for (FeatureRef ref : defs.service("risk").orElseThrow().features()) {
            assertThat(json).contains("\"" + ref.qualifiedName() + "\"");
        }

        assertThatThrownBy(() -> new ModelTraining(defs).train(ModelTraining.Options.of(csv, "chargeback", "risk", "risk", 2,
                ModelTraining.Algorithm.LOGISTIC, registry))).isInstanceOf(TesseraException.class)
                .hasMessageContaining("model risk v2 is already in the registry (risk_v2.yaml); train version 3");
    }

    @Test
    void mistakesAreExplained() {
        ModelTraining training = new ModelTraining(defs);
        Path registry = dir.resolve("models-mistakes");
        assertThatThrownBy(() -> training.train(ModelTraining.Options.of(csv, "chargebak", "risk", "risk", 1,
                ModelTraining.Algorithm.XGBOOST, registry))).isInstanceOf(TesseraException.class)
                .hasMessageContaining("no label column 'chargebak'").hasMessageContaining("did you mean 'chargeback'?");
        assertThatThrownBy(() -> training.train(ModelTraining.Options.of(csv, "chargeback", "rsk", "risk", 1,
                ModelTraining.Algorithm.XGBOOST, registry))).isInstanceOf(TesseraException.class)
                .hasMessageContaining("unknown feature service 'rsk'").hasMessageContaining("did you mean 'risk'?");
        assertThatThrownBy(() -> training.train(ModelTraining.Options.of(csv, "ts", "risk", "risk", 1,
                ModelTraining.Algorithm.XGBOOST, registry))).isInstanceOf(TesseraException.class)
                .hasMessageContaining("label column 'ts' holds").hasMessageContaining("line 2");
        assertThat(registry).doesNotExist();
    }

    /** The validation rows of {@code file} encoded by the model's encoder, and the keys on each side. */
    private static void readValidation(Path file, RegisteredModel m, List<double[]> rows, List<Boolean> labels, Set<String> trainKeys,
                                       Set<String> validationKeys) throws IOException {
        try (TrainingSetRows in = TrainingSetRows.open(file)) {
            List<String> columns = in.columns();
            int[] at = m.service().features().stream().mapToInt(ref -> columns.indexOf(ref.columnName())).toArray();
            int account = columns.indexOf("account_id");
            int card = columns.indexOf("card");
            int label = columns.indexOf("chargeback");
            for (Object[] next; (next = in.next()) != null; ) {
                Object[] row = next;
                if (row[label] == null || row[label].toString().isEmpty()) {
                    continue;
                }
                String key = row[account] + "\u0000" + (row[card] == null ? "" : row[card]) + "\u0000";
                if (!TrainingTable.heldOut(key)) {
                    trainKeys.add(key);
                    continue;
                }
                validationKeys.add(key);
                List<Object> values = Arrays.stream(at).mapToObj(i -> row[i]).toList();
                double[] x = new double[at.length];
                m.encoder().encode(values, x);
                rows.add(x);
                labels.add(row[label].toString().equals("1"));
            }
        }
    }

    private static double bruteForceAuc(double[] s, List<Boolean> y) {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < s.length; i++) {
            for (int j = 0; j < s.length; j++) {
                if (y.get(i) && !y.get(j)) {
                    pairs++;
                    wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
                }
            }
        }
        return wins / pairs;
    }
}

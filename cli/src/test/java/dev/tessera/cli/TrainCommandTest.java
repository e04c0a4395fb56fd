package dev.tessera.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.inference.ModelFormat;
import dev.tessera.inference.ModelRegistry;
import dev.tessera.inference.RegisteredModel;
import dev.tessera.offline.training.TrainingSetRows;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's model loop through the commands a user runs, at a small scale: {@code generate} a world,
 * {@code import} its payments and logins, a spine of approved payments labelled by the generator's
 * chargebacks, {@code training-set} for both account risk services, {@code train} a logistic v1 and an
 * xgboost v2, {@code validate} the registry. The models as the registry loads them score every row of
 * their training sets as XGBoost4J predicts them.
 */
class TrainCommandTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "commerce");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void generatedWorldToRegisteredModels() throws Exception {
        String data = tmp.resolve("data").toString();
        CommandLineTest.Run gen = CommandLineTest.tessera("generate", "--features", EXAMPLES.toString(), "--out",
                tmp.resolve("events.jsonl").toString(), "--seed", "5", "--accounts", "1500", "--duration", "8h",
                "--chargeback-delay", "1m..2h", "--fraud", "0.06", "--no-progress");
        assertThat(gen.exit()).as(gen.err()).isZero();
        for (String source : List.of("payments", "logins")) {
            CommandLineTest.Run imp = CommandLineTest.tessera("import", "--features", EXAMPLES.toString(), "--data", data, "--source",
                    source, tmp.resolve("events." + source + ".jsonl").toString());
            assertThat(imp.exit()).as(imp.err()).isZero();
        }
        Path spine = spine(tmp.resolve("events.payments.jsonl"), tmp.resolve("events.chargebacks.jsonl"), tmp.resolve("spine.csv"));
        for (String[] set : List.of(new String[] {"account_risk_v1", "train_v1.csv"}, new String[] {"account_risk_v2", "train_v2.parquet"})) {
            CommandLineTest.Run ts = CommandLineTest.tessera("training-set", "--features", EXAMPLES.toString(), "--data", data,
                    "--spine", spine.toString(), "--service", set[0], "--out", tmp.resolve(set[1]).toString(), "--no-progress");
            assertThat(ts.exit()).as(ts.err()).isZero();
        }
        Path models = tmp.resolve("models");

        CommandLineTest.Run v1 = CommandLineTest.tessera("train", "--features", EXAMPLES.toString(), "--training-set",
                tmp.resolve("train_v1.csv").toString(), "--label", "chargeback", "--service", "account_risk_v1", "--name", "account_risk",
                "--version", "1", "--format", "logistic", "--out", models.toString());
        CommandLineTest.Run v2 = CommandLineTest.tessera("train", "--features", EXAMPLES.toString(), "--training-set",
                tmp.resolve("train_v2.parquet").toString(), "--label", "chargeback", "--service", "account_risk_v2", "--name",
                "account_risk", "--version", "2", "--trees", "30", "--max-depth", "3", "--out", models.toString());

        assertThat(v1.exit()).as(v1.err()).isZero();
        assertThat(v2.exit()).as(v2.err()).isZero();
        System.out.println(v1.out() + v2.out());
        assertThat(v1.out()).contains("trained account_risk v1 (logistic, 100 rounds of gblinear)", "validation",
                "(20% of entities, by a hash of account_id)", "string feature account_logins.last_login_country: a table of",
                "wrote " + models.resolve("account_risk_v1.yaml"));
        assertThat(v2.out()).contains("trained account_risk v2 (xgboost, 30 trees of depth 3)",
                "string feature account_payments.last_country", "max difference");

        Definitions defs = DefinitionLoader.load(EXAMPLES);
        ModelRegistry registry = ModelRegistry.load(models, defs);
        assertThat(registry.versions("account_risk")).map(m -> m.model().format())
                .containsExactly(ModelFormat.LOGISTIC, ModelFormat.XGBOOST);
        RegisteredModel trees = registry.get("account_risk", 2).orElseThrow();
        assertThat(Double.parseDouble(trees.info().training().get("validation_auc"))).as(v2.out()).isGreaterThan(0.7);
        assertEveryRowScoresAsXGBoost(trees, tmp.resolve("train_v2.parquet"), models.resolve("account_risk_v2.json"));

        CommandLineTest.Run again = CommandLineTest.tessera("train", "--features", EXAMPLES.toString(), "--training-set",
                tmp.resolve("train_v2.parquet").toString(), "--label", "chargeback", "--service", "account_risk_v2", "--name",
                "account_risk", "--version", "2", "--out", models.toString());
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("model account_risk v2 is already in the registry", "train version 3");
    }

    @Test
    void validateChecksTheRegistryBesideTheDefinitions() throws IOException {
        Path features = tmp.resolve("features");
        copyTree(EXAMPLES, features);
        CommandLineTest.Run ok = CommandLineTest.tessera("validate", "--features", features.toString());
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).containsPattern("models +2 in .*models \\(account_risk v1, account_risk v2; version [0-9a-f]{16}\\)");

        Path v1 = features.resolve("models/account_risk_v1.yaml");
        Files.writeString(v1, Files.readString(v1).replace("service: account_risk_v1", "service: account_risk_v3"));
        CommandLineTest.Run bad = CommandLineTest.tessera("validate", "--features", features.toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("account_risk_v1.yaml:", ": error: unknown feature service 'account_risk_v3'",
                "hint: did you mean 'account_risk_v1' or 'account_risk_v2'?");
    }

    /** Every approved payment (one row per id), labelled 1 when a chargeback names it. */
    static Path spine(Path payments, Path chargebacks, Path out) throws IOException {
        Set<String> disputed = new HashSet<>();
        forEachEvent(chargebacks, e -> disputed.add(e.path("payment_id").asText()));
        Map<String, String> rows = new LinkedHashMap<>();
        forEachEvent(payments, e -> {
            if ("APPROVED".equals(e.path("status").asText()) && e.path("event_time").isNumber() && e.hasNonNull("account_id")) {
                String id = e.path("payment_id").asText();
                rows.putIfAbsent(id, e.path("account_id").asText() + "," + e.path("event_time").asLong() + ","
                        + (disputed.contains(id) ? 1 : 0));
            }
        });
        List<String> lines = new ArrayList<>();
        lines.add("account_id,ts,chargeback");
        lines.addAll(rows.values());
        return Files.write(out, lines);
    }

    private static void forEachEvent(Path file, java.util.function.Consumer<JsonNode> f) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file)) {
            for (String line; (line = r.readLine()) != null; ) {
                JsonNode e;
                try {
                    e = JSON.readTree(line);
                } catch (IOException malformed) {
                    continue; // the generator's deliberately broken records
                }
                if (e != null && e.isObject()) {
                    f.accept(e);
                }
            }
        }
    }

    private static void assertEveryRowScoresAsXGBoost(RegisteredModel m, Path trainingSet, Path artifact) throws Exception {
        List<double[]> rows = new ArrayList<>();
        try (TrainingSetRows in = TrainingSetRows.open(trainingSet)) {
            int[] at = m.service().features().stream().mapToInt(r -> in.columns().indexOf(r.columnName())).toArray();
            for (Object[] next; (next = in.next()) != null; ) {
                Object[] row = next;
                double[] x = new double[at.length];
                m.encoder().encode(Arrays.stream(at).mapToObj(i -> row[i]).toList(), x);
                rows.add(x);
            }
        }
        int f = m.model().inputs().size();
        float[] flat = new float[rows.size() * f];
        for (int i = 0; i < rows.size(); i++) {
            for (int j = 0; j < f; j++) {
                flat[i * f + j] = (float) rows.get(i)[j];
            }
        }
        Booster booster = XGBoost.loadModel(artifact.toString());
        float[][] expected = booster.predict(new DMatrix(flat, rows.size(), f, Float.NaN));
        assertThat(rows).hasSizeGreaterThan(1000);
        for (int i = 0; i < rows.size(); i++) {
            assertThat(m.model().score(rows.get(i))).isCloseTo(expected[i][0], within(1e-6));
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}

package dev.tessera.bench;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureRef;
import dev.tessera.inference.ModelRegistry;
import dev.tessera.inference.RegisteredModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scoring one row with the demo's models (examples/commerce/models: {@code account_risk} v2, XGBoost,
 * 100 trees of depth ≤ 4 over 20 features; v1, logistic over 12), as the scoring API will: one request,
 * one row.
 *
 * <p>Measured: the registry's pure-Java evaluator ({@code Model.score} on encoded inputs), and
 * {@code RegisteredModel.score} from served values (encoding included: counts, lists, a country
 * through its table).
 *
 * <p>Baseline: XGBoost4J 3.4.0 scoring the same artifact, the way a Java service would without
 * Tessera's evaluator: {@code Booster.inplace_predict} on a one-row float array, and the classic
 * {@code new DMatrix} + {@code Booster.predict} + {@code dispose}, on one thread ({@code nthread=1}: with OpenMP's
 * default of every core, single-row calls were 10-40× slower still on this loaded 2-core machine). (ADR 022 says
 * why the evaluator exists.)
 *
 * <p>Run from the repository root (it reads examples/commerce):
 * {@code mvn -B -ntp -q package -pl bench -am -DskipTests && java -jar bench/target/benchmarks.jar ModelScore}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ModelScoreBenchmark {
    static final int ROWS = 1024;

    RegisteredModel v1;
    RegisteredModel v2;
    double[][] x1;
    double[][] x2;
    float[][] f2;
    List<List<Object>> served2;
    Booster booster;
    int i;

    @Setup
    public void setUp() throws XGBoostError {
        Path examples = Path.of(System.getProperty("tessera.examples", "examples/commerce"));
        Definitions defs = DefinitionLoader.load(examples);
        ModelRegistry registry = ModelRegistry.load(ModelRegistry.defaultFolder(examples), defs);
        v1 = registry.get("account_risk", 1).orElseThrow();
        v2 = registry.get("account_risk", 2).orElseThrow();
        booster = XGBoost.loadModel(ModelRegistry.defaultFolder(examples).resolve(v2.info().artifact()).toString());
        booster.setParam("nthread", 1); // one row per call: OpenMP threads only add hand-offs (and fight for 2 cores)
        Random rnd = new Random(1);
        served2 = new ArrayList<>();
        x1 = new double[ROWS][];
        x2 = new double[ROWS][];
        f2 = new float[ROWS][];
        List<List<Object>> served1 = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            served1.add(row(v1, rnd));
            served2.add(row(v2, rnd));
            x1[r] = new double[v1.model().inputs().size()];
            v1.encoder().encode(served1.get(r), x1[r]);
            x2[r] = new double[v2.model().inputs().size()];
            v2.encoder().encode(served2.get(r), x2[r]);
            f2[r] = new float[x2[r].length];
            for (int j = 0; j < x2[r].length; j++) {
                f2[r][j] = (float) x2[r][j];
            }
        }
        // the baseline must agree with what is measured
        for (int r = 0; r < 16; r++) {
            double mine = v2.model().score(x2[r]);
            float theirs = booster.inplace_predict(f2[r], 1, f2[r].length, Float.NaN)[0][0];
            if (Math.abs(mine - theirs) > 1e-6) {
                throw new IllegalStateException("evaluator " + mine + " != XGBoost " + theirs + " on row " + r);
            }
        }
    }

    /** Served values of a busy-ish account: counts, amounts, lists, a country. */
    private static List<Object> row(RegisteredModel m, Random rnd) {
        List<Object> values = new ArrayList<>();
        for (FeatureRef ref : m.service().features()) {
            String n = ref.servedName();
            if (n.contains("country")) {
                values.add(List.of("US", "DE", "VN", "NG", "FR").get(rnd.nextInt(5)));
            } else if (n.startsWith("recent_cards") || n.startsWith("top_merchants")) {
                values.add(List.of("a", "b", "c").subList(0, rnd.nextInt(4)));
            } else if (n.startsWith("amount")) {
                values.add(rnd.nextInt(10) == 0 ? null : rnd.nextDouble() * 2000);
            } else {
                values.add((long) rnd.nextInt(20));
            }
        }
        return values;
    }

    @TearDown
    public void tearDown() {
        booster.dispose();
    }

    private int next() {
        return i = (i + 1) & (ROWS - 1);
    }

    @Benchmark
    public double treesEvaluator() {
        return v2.model().score(x2[next()]);
    }

    @Benchmark
    public double treesFromServedValues() {
        return v2.score(served2.get(next()));
    }

    @Benchmark
    public double logisticEvaluator() {
        return v1.model().score(x1[next()]);
    }

    @Benchmark
    public float baselineXGBoostInplacePredict() throws XGBoostError {
        float[] row = f2[next()];
        return booster.inplace_predict(row, 1, row.length, Float.NaN)[0][0];
    }

    @Benchmark
    public float baselineXGBoostDMatrixPredict() throws XGBoostError {
        float[] row = f2[next()];
        DMatrix m = new DMatrix(row, 1, row.length, Float.NaN);
        try {
            return booster.predict(m)[0][0];
        } finally {
            m.dispose();
        }
    }
}

package dev.tessera.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureRef;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Linear models through the whole path — {@link LinearModelFile#write}, a registry file, the registry —
 * against an independent computation: the linear predictor summed exactly in BigDecimal, the sigmoid
 * by {@link StrictMath}, on 2,000 random rows with missing values.
 */
class LinearModelTest {
    private final Definitions defs = Fixtures.definitions();

    @Test
    void logisticAndLinearEqualAnExactComputation(@TempDir Path dir) throws IOException {
        List<String> inputs = defs.service("risk_numbers").orElseThrow().features().stream().map(FeatureRef::qualifiedName).toList();
        Random rnd = new Random(42);
        Map<String, Double> weights = new LinkedHashMap<>();
        Map<String, Double> missing = new LinkedHashMap<>();
        for (String f : inputs) {
            weights.put(f, rnd.nextGaussian());
            if (rnd.nextBoolean()) {
                missing.put(f, rnd.nextGaussian() * 10);
            }
        }
        double intercept = rnd.nextGaussian();
        new LinearModelFile(intercept, weights, missing).write(dir.resolve("m.json"));
        for (ModelFormat format : List.of(ModelFormat.LOGISTIC, ModelFormat.LINEAR)) {
            RegistryFile.write(dir.resolve("m_" + format.yamlName() + ".yaml"), new ModelInfo("m_" + format.yamlName(), 1, format,
                    "risk_numbers", "m.json", "tests", "a random model", null, Map.of(), Map.of(), null), null);
        }
        ModelRegistry registry = ModelRegistry.load(dir, defs);
        Model logistic = registry.latest("m_logistic").orElseThrow().model();
        Model linear = registry.latest("m_linear").orElseThrow().model();

        double maxLogistic = 0;
        double maxLinear = 0;
        double[] x = new double[inputs.size()];
        for (int row = 0; row < 2000; row++) {
            BigDecimal z = new BigDecimal(intercept);
            for (int i = 0; i < x.length; i++) {
                x[i] = rnd.nextInt(5) == 0 ? Double.NaN : rnd.nextInt(3) == 0 ? rnd.nextInt(50) : rnd.nextGaussian() * 1000;
                double v = Double.isNaN(x[i]) ? missing.getOrDefault(inputs.get(i), 0.0) : x[i];
                z = z.add(new BigDecimal(weights.get(inputs.get(i))).multiply(new BigDecimal(v)));
            }
            double exact = z.round(MathContext.DECIMAL64).doubleValue();
            maxLinear = Math.max(maxLinear, Math.abs(linear.score(x) - exact) / Math.max(1, Math.abs(exact)));
            maxLogistic = Math.max(maxLogistic, Math.abs(logistic.score(x) - 1 / (1 + StrictMath.exp(-exact))));
        }
        assertThat(maxLinear).as("relative error of the linear predictor").isLessThan(1e-12);
        assertThat(maxLogistic).isLessThan(1e-12);
        assertThat(Files.readString(dir.resolve("m.json"))).contains("\"intercept\"", inputs.get(0));
    }
}

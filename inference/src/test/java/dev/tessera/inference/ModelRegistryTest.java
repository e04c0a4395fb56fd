package dev.tessera.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tessera.api.Definitions;
import dev.tessera.api.Location;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code registry/valid}: four model versions in three formats, one in a subfolder, one with a categories table. */
class ModelRegistryTest {
    private final Definitions defs = Fixtures.definitions();
    private final ModelRegistry registry = ModelRegistry.load(Fixtures.registry("valid"), defs);

    @Test
    void readsEveryFileWithItsMetadata() {
        assertThat(registry.names()).containsExactly("risk", "spend");
        assertThat(registry.versions("risk")).map(RegisteredModel::version).containsExactly(1, 2, 3);
        assertThat(registry.latest("risk").orElseThrow().version()).isEqualTo(3);
        assertThat(registry.get("risk", 4)).isEmpty();
        assertThat(registry.versions("nope")).isEmpty();

        ModelInfo v1 = registry.get("risk", 1).orElseThrow().info();
        assertThat(v1).isEqualTo(new ModelInfo("risk", 1, ModelFormat.LOGISTIC, "risk_numbers", "risk_v1.json", "risk-models",
                "Chargeback risk from payment velocity.", 0.7, Map.of(), Map.of("label", "chargeback", "rows", "1200"),
                new Location("risk_v1.yaml", 2, 1)));
        RegisteredModel spend = registry.latest("spend").orElseThrow();
        assertThat(spend.info().location().file()).isEqualTo("other/spend_v1.yaml");
        assertThat(spend.model().format()).isEqualTo(ModelFormat.LINEAR);
        assertThat(spend.model().probability()).isFalse();
        assertThat(registry.get("risk", 2).orElseThrow().model().probability()).isTrue();
    }

    @Test
    void inputsAreTheServicesFeaturesInItsOrder() {
        for (RegisteredModel m : registry.models()) {
            assertThat(m.model().inputs()).as(m.toString())
                    .isEqualTo(m.service().features().stream().map(dev.tessera.api.FeatureRef::qualifiedName).toList());
            assertThat(m.model().name()).isEqualTo(m.name());
            assertThat(m.model().version()).isEqualTo(m.version());
        }
    }

    @Test
    void logisticScoresAreTheFormulaAndMissingTakesTheMissingValue() {
        Model v1 = registry.get("risk", 1).orElseThrow().model();
        double z = -3.0 + 0.5 * 2 + 0.125 * 7 + 0.004 * 250;
        assertThat(v1.score(new double[] {2, 7, 250})).isCloseTo(1 / (1 + Math.exp(-z)), within(1e-15));
        double zMissing = -3.0 + 0.5 * 2 + 0.125 * 7 + 0.004 * 100;
        assertThat(v1.score(new double[] {2, 7, Double.NaN})).isCloseTo(1 / (1 + Math.exp(-zMissing)), within(1e-15));
        double zNoMissingEntry = -3.0 + 0.125 * 7 + 0.004 * 250; // no missing entry: 0
        assertThat(v1.score(new double[] {Double.NaN, 7, 250})).isCloseTo(1 / (1 + Math.exp(-zNoMissingEntry)), within(1e-15));
        assertThat(registry.latest("spend").orElseThrow().model().score(new double[] {1, 2, 3})).isEqualTo(10 + 1 + 4 + 1.5);
    }

    @Test
    void servedValuesAreEncodedByTheOneRule() {
        RegisteredModel v3 = registry.get("risk", 3).orElseThrow();
        List<Object> values = Arrays.asList(3L, null, 120.5, true, List.of("c1", "c2"), "NG");
        double[] x = new double[6];
        v3.encoder().encode(values, x);
        assertThat(x).containsExactly(3, Double.NaN, 120.5, 1, 2, 0.4);
        double z = -2.0 + 0.5 * 3 + 0.001 * 120.5 - 1.0 + 0.25 * 2 + 4.0 * 0.4;
        assertThat(v3.score(values)).isCloseTo(1 / (1 + Math.exp(-z)), within(1e-15));

        assertThat(v3.encoder().encode(5, "FR")).as("a value the table lacks is missing").isNaN();
        assertThat(v3.encoder().encode(5, "no")).as("a YAML key that looks like a boolean stays text").isEqualTo(0.02);
        assertThat(v3.encoder().encode(3, false)).isZero();
        assertThat(v3.encoder().encode(4, List.of())).isZero();
        assertThat(v3.encoder().encode(0, Double.POSITIVE_INFINITY)).isNaN();
        assertThat(v3.encoder().categorical(5)).isTrue();
        assertThat(v3.encoder().categorical(0)).isFalse();
        assertThatThrownBy(() -> v3.encoder().encode(List.of(1L), new double[6])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> v3.model().score(new double[2])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("takes 6 inputs, got 2");
    }

    @Test
    void theVersionIsAContentHashOfFilesAndArtifacts(@TempDir Path copy) throws IOException {
        TestFiles.copyTree(Fixtures.registry("valid"), copy);
        assertThat(ModelRegistry.load(copy, defs).version()).isEqualTo(registry.version()).matches("[0-9a-f]{16}");
        Files.writeString(copy.resolve("spend.json"), Files.readString(copy.resolve("spend.json")).replace("10", "11"));
        assertThat(ModelRegistry.load(copy, defs).version()).as("an artifact changed").isNotEqualTo(registry.version());
    }

    @Test
    void aMissingFolderIsAProblemOrAnEmptyRegistry(@TempDir Path tmp) {
        Path none = tmp.resolve("models");
        assertThat(ModelRegistry.validate(none, defs).problems()).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("does not exist"));
        assertThat(ModelRegistry.loadIfPresent(none, defs).isEmpty()).isTrue();
        assertThat(ModelRegistry.load(tmp, defs).isEmpty()).as("a folder without YAML files is an empty registry").isTrue();
    }

    @Test
    void registryFilesWrittenByRegistryFileReadBack(@TempDir Path tmp) throws IOException {
        TestFiles.copyTree(Fixtures.registry("valid"), tmp);
        RegisteredModel v3 = ModelRegistry.load(tmp, defs).get("risk", 3).orElseThrow();
        ModelInfo info = new ModelInfo("risk", 4, ModelFormat.LOGISTIC, "risk_all", "risk_v3.json", "o: \"quoted\"",
                "line one\nline two", 0.25, v3.info().categories(), Map.of("validation_auc", "0.91", "training_set", "a b.csv"),
                null);
        RegistryFile.write(tmp.resolve(RegistryFile.fileName("risk", 4)), info, "written by a test\non two lines");

        ModelInfo read = ModelRegistry.load(tmp, defs).get("risk", 4).orElseThrow().info();

        assertThat(read).usingRecursiveComparison().ignoringFields("location").isEqualTo(info);
        assertThat(read.location()).isEqualTo(new Location("risk_v4.yaml", 3, 1));
    }

    /** A string feature without a single value in the training rows gets an empty table, and the file still loads. */
    @Test
    void anEmptyCategoryTableIsWrittenAndReadBack(@TempDir Path tmp) throws IOException {
        TestFiles.copyTree(Fixtures.registry("valid"), tmp);
        RegisteredModel v3 = ModelRegistry.load(tmp, defs).get("risk", 3).orElseThrow();
        Map<String, Map<String, Double>> empty = new java.util.LinkedHashMap<>();
        v3.info().categories().keySet().forEach(k -> empty.put(k, Map.of()));
        assertThat(empty).isNotEmpty();
        ModelInfo info = new ModelInfo("risk", 4, ModelFormat.LOGISTIC, "risk_all", "risk_v3.json", "o", "d", null, empty, Map.of(),
                null);
        RegistryFile.write(tmp.resolve(RegistryFile.fileName("risk", 4)), info, "written by a test");

        ModelInfo read = ModelRegistry.load(tmp, defs).get("risk", 4).orElseThrow().info();

        assertThat(read.categories()).isEqualTo(empty);
    }
}

package dev.tessera.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kind: Experiment} in the registry: the demo's loads; each mistake is reported with its file and line. */
class ExperimentRegistryTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "commerce");

    @TempDir
    Path tmp;

    @Test
    void theDemosExperimentLoads() {
        Definitions defs = DefinitionLoader.load(EXAMPLES);
        ModelRegistry registry = ModelRegistry.load(ModelRegistry.defaultFolder(EXAMPLES), defs);
        Experiment x = registry.experimentOf("account_risk").orElseThrow();
        assertThat(x.name()).isEqualTo("account_risk_v2_rollout");
        assertThat(x.control()).isEqualTo(1);
        assertThat(x.variants()).containsExactly(new Experiment.Variant("trees_v2", 2, 0.5));
        assertThat(x.salt()).isEqualTo("account-risk-v2-rollout-2026-11");
        assertThat(x.guardrails().maxErrorRate()).isEqualTo(0.01);
        assertThat(x.guardrails().maxP99Millis()).isEqualTo(50.0);
        assertThat(x.guardrails().minRequests()).isEqualTo(200);
        assertThat(x.location().toString()).startsWith("account_risk_experiment.yaml:");
        assertThat(registry.models()).hasSize(2);
    }

    @Test
    void mistakesAreReportedWithFileLineAndHint() throws IOException {
        assertProblem("variants:\n  - { name: v2, version: 3, share: 0.5 }\n", "uses version 3 of account_risk, which is not registered",
                "registered versions: [1, 2]");
        assertProblem("variants:\n  - { name: v2, version: 2, share: 50 }\n", "share 50.0 is not a fraction", "share: 0.5");
        assertProblem("variants:\n  - { name: control, version: 2, share: 0.5 }\n", "variant name 'control' is not valid", "e.g. v2");
        assertProblem("variants:\n  - { name: v2, version: 1, share: 0.5 }\n", "uses version 1 of account_risk twice", "a version is");
        assertProblem("variants:\n  - { name: v2, version: 2, share: 0.5 }\nguardrails: { max_error_rates: 0.1 }\n",
                "unknown field 'max_error_rates'", "did you mean 'max_error_rate'?");
        assertProblem("variants: []\n", "variants must be a non-empty list", "variants: [{");
        assertProblem("variants:\n  - { name: v2, version: 2, share: 0.5 }\nguardrails: { max_error_rate: 2 }\n",
                "max_error_rate 2.0 is not a fraction", "0.01");
        assertProblem("variants:\n  - { name: v2, version: 2, share: 0.5 }\nshadow: [2]\n", "uses version 2 of account_risk twice",
                "a version is");
    }

    @Test
    void sharesMustFitTheirSliceAndTheModelMustExist() throws IOException {
        Path dir = copyExamples();
        write(dir, "model: account_risk\ncontrol: 1\nvariants:\n  - { name: v2, version: 2, share: 0.5 }\n", "x.yaml");
        String other = "kind: Experiment\nname: other\nmodel: acount_risk\ncontrol: 1\nvariants:\n  - { name: v2, version: 2, share: 0.1 }\n";
        Files.writeString(dir.resolve("models/y.yaml"), other);
        List<Problem> ps = ModelRegistry.validate(dir.resolve("models"), DefinitionLoader.load(dir)).problems();
        assertThat(ps).anySatisfy(p -> {
            assertThat(p.message()).contains("splits unknown model 'acount_risk'");
            assertThat(p.hint()).contains("did you mean 'account_risk'?");
            assertThat(p.location().file()).isEqualTo("y.yaml");
        });
    }

    /** The demo's services name their features one by one: a feature added to a group leaves its models loading. */
    @Test
    void aFeatureAddedToAGroupLeavesTheDemoModelsLoading() throws IOException {
        Path dir = copyExamples();
        addMaxAmount(dir);
        Definitions defs = DefinitionLoader.load(dir);
        assertThat(defs.groups().get("account_payments").features()).extracting(f -> f.name()).contains("max_amount");
        assertThat(ModelRegistry.validate(dir.resolve("models"), defs).problems()).isEmpty();
    }

    /**
     * A model's service written as {@code group.*} grows with the group: the model then no longer
     * loads, and the problem says why and what to do; the experiment using that version says it did
     * not load (not that it is unregistered).
     */
    @Test
    void aServiceTakingAWholeGroupBreaksItsModelWhenTheGroupGrowsAndSaysSo() throws IOException {
        Path dir = copyExamples();
        Path services = dir.resolve("services.yaml");
        Files.writeString(services, Files.readString(services).replaceAll("(?s)(name: account_risk_v2.*?features:\n)(  - account_payments\\.[a-z0-9_]+\n)+",
                "$1  - account_payments.*\n"));
        assertThat(Files.readString(services)).contains("  - account_payments.*\n  - account_logins.failed_login_count_10m");
        assertThat(ModelRegistry.validate(dir.resolve("models"), DefinitionLoader.load(dir)).problems()).as("before").isEmpty();

        addMaxAmount(dir);
        List<Problem> ps = ModelRegistry.validate(dir.resolve("models"), DefinitionLoader.load(dir)).problems();
        assertThat(ps).hasSize(2);
        Problem model = ps.stream().filter(p -> p.message().contains("XGBoost model")).findFirst().orElseThrow();
        assertThat(model.message()).contains("it lacks 'account_payments.max_amount_1d'");
        assertThat(model.hint()).startsWith("service account_risk_v2 takes every feature of account_payments.*, so a feature added"
                + " to that group changes what its models read: list the features the model was trained on in the service instead");
        Problem experiment = ps.stream().filter(p -> p.message().contains("experiment")).findFirst().orElseThrow();
        assertThat(experiment.message()).contains("uses version 2 of account_risk, whose registry file did not load")
                .doesNotContain("not registered");
    }

    private static void addMaxAmount(Path dir) throws IOException {
        Path group = dir.resolve("groups/account_payments.yaml");
        Files.writeString(group, Files.readString(group).replace("features:\n",
                "features:\n  - { name: max_amount, agg: max, of: amount, windows: [1d] }\n"));
    }

    private void assertProblem(String body, String message, String hint) throws IOException {
        Path dir = copyExamples();
        write(dir, "model: account_risk\ncontrol: 1\n" + body, "account_risk_experiment.yaml");
        List<Problem> ps = ModelRegistry.validate(dir.resolve("models"), DefinitionLoader.load(dir)).problems();
        assertThat(ps).as(body).hasSize(1);
        Problem p = ps.get(0);
        assertThat(p.message()).contains(message);
        assertThat(p.hint()).contains(hint);
        assertThat(p.location().file()).isEqualTo("account_risk_experiment.yaml");
        assertThat(p.location().line()).isPositive();
    }

    private static void write(Path dir, String rest, String file) throws IOException {
        Files.writeString(dir.resolve("models").resolve(file), "kind: Experiment\nname: account_risk_v2_rollout\n" + rest);
    }

    private Path copyExamples() throws IOException {
        Path to = Files.createTempDirectory(tmp, "defs");
        try (Stream<Path> walk = Files.walk(EXAMPLES)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(EXAMPLES.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return to;
    }
}

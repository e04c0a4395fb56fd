package dev.tessera.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.Definitions;
import dev.tessera.api.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One folder per mistake under {@code registry/broken/}, each a registry with exactly that mistake
 * against the definitions in {@code definitions/}: loading must report exactly one problem, in the
 * right file and line, saying what is wrong and how to fix it, and return no registry.
 */
class BrokenRegistryTest {
    /** folder | file | line | part of the message | part of the hint. */
    private static final String CASES = """
        unknown_service                    | risk_v1.yaml      | 4 | unknown feature service 'risk_number'                                   | did you mean 'risk_numbers'?
        artifact_missing                   | risk_v1.yaml      | 5 | artifact 'risk_v1.jsn' does not exist                                   | did you mean 'risk_v1.json'?
        artifact_not_a_file                | risk_v1.yaml      | 5 | artifact 'weights' is not a readable file                               | check the path
        weights_lack_a_feature             | risk_v1.json      | 3 | the weights of risk v1 lack 1 feature(s) of service risk_numbers: account_payments.payment_count_1d | give every feature of the service a weight (0 to ignore one)
        weight_for_unknown_feature         | risk_v1.json      | 7 | weight for 'account_payments.amount_sum_7d', which is not a feature of service risk_numbers | did you mean 'account_payments.amount_sum_1d'
        xgboost_feature_names_differ       | risk_v2.json      | 0 | (learner.feature_names) are not the service's: it lacks 'account_payments.last_approved', 'account_payments.recent_cards_1d', 'account_payments.last_country' | a model's inputs are its service's features
        xgboost_num_feature                | risk_v2.json      | 0 | takes 3 features (num_feature) but the service has 6                    | DMatrix.setFeatureNames
        duplicate_version                  | risk_v1_copy.yaml | 2 | model risk v1 is also defined in risk_v1.yaml:1:1                       | give this model the next free version (2)
        unknown_field                      | risk_v1.yaml      | 8 | unknown field 'treshold' in registry file risk_v1.yaml                  | did you mean 'threshold'?
        bad_version                        | risk_v1.yaml      | 2 | version 'v1' is not a whole number from 1                              | number a model's versions 1, 2, 3
        unknown_format                     | risk_v1.yaml      | 3 | unknown model format 'xgb'                                             | did you mean 'xgboost'? formats: logistic, linear, xgboost
        missing_owner                      | risk_v1.yaml      | 1 | registry file risk_v1.yaml has no owner                                | add owner:
        invalid_name                       | risk_v1.yaml      | 1 | model name 'Account-Risk' is not valid                                 | lower case letters, digits and _
        string_feature_without_categories  | risk_v1.yaml      | 4 | feature 'account_payments.last_country' of service risk_all is a string (last of country), and a model takes numbers | categories: {account_payments.last_country: {VALUE: number, ...}}
        categories_on_a_number             | risk_v1.yaml      | 4 | categories for 'account_payments.payment_count_1h', which is a number (count); a table maps string values only | numbers become numbers by themselves
        categories_unknown_feature         | risk_v1.yaml      | 9 | categories for 'account_payments.last_contry', which is not a feature of service risk_numbers | its features: account_payments.payment_count_1h
        artifact_json_syntax               | risk_v1.json      | 5 | not valid JSON: Unexpected character ('"'                               | fix the JSON syntax
        intercept_not_a_number             | risk_v1.json      | 2 | intercept must be a finite number, got the string "high"               | write a number
        unsupported_objective              | risk_v2.json      | 0 | objective 'count:poisson' of XGBoost model risk_v2.json is not supported | train with binary:logistic, reg:logistic, binary:logitraw or reg:squarederror
        not_an_xgboost_model               | risk_v1.json      | 0 | not an XGBoost JSON model: risk_v1.json has no 'learner' object         | Booster.saveModel("model.json")
        threshold_not_a_probability        | risk_v1.yaml      | 8 | threshold 70.0 of risk v1 is not a probability, but the model scores probabilities | between 0 and 1
        yaml_syntax_error                  | risk_v1.yaml      | 7 | YAML syntax error                                                      | check the indentation and quoting
        two_documents                      | risk_v1.yaml      | 9 | registry file risk_v1.yaml has 2 documents; each file describes one model version | move each model version to its own file
        """;

    private final Definitions defs = Fixtures.definitions();

    record Case(String folder, String file, int line, String message, String hint) {
        @Override
        public String toString() {
            return folder;
        }
    }

    static List<Case> cases() {
        return CASES.lines().filter(l -> !l.isBlank()).map(l -> {
            String[] f = Arrays.stream(l.split("\\s+\\|\\s+", 5)).map(String::trim).toArray(String[]::new);
            return new Case(f[0], f[1], Integer.parseInt(f[2]), f[3], f[4]);
        }).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsTheOneMistakeWhereItIs(Case c) {
        RegistryLoadResult result = ModelRegistry.validate(Fixtures.registry("broken/" + c.folder()), defs);

        assertThat(result.ok()).isFalse();
        assertThat(result.registry()).isNull();
        assertThat(result.problems()).as(result.problems().toString()).hasSize(1);
        Problem problem = result.problems().get(0);
        assertThat(problem.location().file()).as(problem.toString()).isEqualTo(c.file());
        assertThat(problem.location().line()).as(problem.toString()).isEqualTo(c.line());
        assertThat(problem.message()).contains(c.message());
        assertThat(problem.hint()).contains(c.hint());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void loadThrowsWithTheSameProblem(Case c) {
        Path dir = Fixtures.registry("broken/" + c.folder());

        assertThatThrownBy(() -> ModelRegistry.load(dir, defs)).isInstanceOf(ModelRegistryException.class)
                .satisfies(e -> assertThat(((ModelRegistryException) e).problems())
                        .isEqualTo(ModelRegistry.validate(dir, defs).problems()))
                .hasMessageContaining(c.message());
    }

    @Test
    void everyBrokenFolderHasACaseAndEveryCaseAFolder() throws IOException {
        List<String> folders;
        try (Stream<Path> list = Files.list(Fixtures.registry("broken"))) {
            folders = list.map(p -> p.getFileName().toString()).toList();
        }
        assertThat(cases()).map(Case::folder).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(folders);
    }

    @Test
    void oneBadFileAndNoModelIsLoaded(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        TestFiles.copyTree(Fixtures.registry("valid"), tmp);
        Files.writeString(tmp.resolve("risk_v2.yaml"), Files.readString(tmp.resolve("risk_v2.yaml")).replace("risk_numbers", "nope"));

        RegistryLoadResult result = ModelRegistry.validate(tmp, defs);

        assertThat(result.registry()).as("nothing half-valid").isNull();
        assertThat(result.problems()).singleElement().satisfies(p -> assertThat(p.location().file()).isEqualTo("risk_v2.yaml"));
    }
}

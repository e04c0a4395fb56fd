package dev.tessera.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
 * One folder per mistake under {@code definitions/broken/}, each a minimal set with exactly that
 * mistake: the loader must report exactly one problem, in the right file and line, saying what is
 * wrong and how to fix it.
 */
class BrokenDefinitionsTest {
    /** folder | file | line | part of the message | part of the hint. */
    private static final String CASES = """
        yaml_syntax_error                   | definitions.yaml   | 15 | YAML syntax error: expected ',' or ']'                                   | close the [list]
        document_not_a_mapping              | definitions.yaml   |  1 | document 1 of definitions.yaml must be a mapping of fields, got a list   | kind: <Entity|Source|FeatureGroup|FeatureService>
        missing_kind                        | entities.yaml      |  1 | the document at line 1 has no kind                                       | add kind: with one of Entity, Source, FeatureGroup, FeatureService
        unknown_kind                        | entities.yaml      |  1 | unknown kind 'Entitty'                                                   | did you mean 'Entity'?
        missing_name                        | entities.yaml      |  1 | the Entity at line 1 has no name                                         | add name: <lower_snake_case>
        invalid_name                        | entities.yaml      |  2 | name 'Account-Holder' of the Entity at line 1 is not valid               | try name: account_holder
        duplicate_name                      | more/entities.yaml |  2 | duplicate entity name 'account': another Entity at entities.yaml:2:7     | rename one of them
        unknown_field                       | definitions.yaml   | 15 | unknown field 'window' in feature payment_count                          | did you mean 'windows'?
        field_given_twice                   | entities.yaml      |  4 | field 'keys' is given twice in entity account (first at line 3)          | keep one 'keys:'
        entity_without_keys                 | entities.yaml      |  1 | entity account has no keys                                               | keys: [account_id]
        entity_with_empty_keys              | entities.yaml      |  3 | keys of entity account is empty                                          | keys: [account_id]
        duplicate_key                       | entities.yaml      |  3 | key 'account_id' is listed twice in entity account                       | keys: [account_id, region]
        invalid_field_name                  | entities.yaml      |  3 | 'account-id' in keys of entity account is not a valid field name         | (e.g. account_id)
        keys_not_a_list                     | entities.yaml      |  3 | 'keys' of entity account must be a list, got the string 'account_id'     | keys: [account_id]
        tags_not_a_list                     | entities.yaml      |  4 | 'tags' of entity account must be a list, got the string 'fraud'          | tags: [
        source_without_kafka                | definitions.yaml   |  5 | source payments has no kafka topic                                       | add kafka: { topic: commerce.payments }
        kafka_without_topic                 | definitions.yaml   |  7 | kafka of source payments has no topic                                    | add topic:
        kafka_unknown_field                 | definitions.yaml   |  9 | unknown field 'partitions' in kafka of source payments                   | fields here: topic
        invalid_topic                       | definitions.yaml   |  7 | 'commerce payments' is not a valid Kafka topic name in source payments   | letters, digits, '.', '_' and '-'
        unknown_format                      | definitions.yaml   |  8 | unknown format 'jsn' in source payments                                  | did you mean 'json'? formats: json, avro
        avro_without_schema                 | definitions.yaml   |  5 | avro source payments has no schema                                       | add schema: schemas/payments.avsc
        schema_not_found                    | definitions.yaml   |   9 | schema file 'schemas/paymnt.avsc' of source payments does not exist      | did you mean 'schemas/payment.avsc'?
        schema_outside_folder               | definitions.yaml   |   9 | schema path '../payment.avsc' of source payments leads outside the definitions folder | inside the definitions folder
        missing_timestamp                   | definitions.yaml   |  5 | source payments has no timestamp                                         | timestamp: event_time
        duration_without_unit               | definitions.yaml   |  9 | lateness of source payments: '10' is not a valid duration                | add a unit: '10s' for seconds, '10m' for minutes
        bad_window_duration                 | definitions.yaml   | 15 | window of feature payment_count: '1hour' is not a valid duration         | write 1h
        dedup_horizon_shorter_than_lateness | definitions.yaml   | 10 | dedup_horizon 10m of source payments is shorter than its lateness 30m    | set dedup_horizon to at least 30m
        unknown_source                      | definitions.yaml   | 12 | group account_payments refers to unknown source 'paymnts'                | did you mean 'payments'?
        unknown_entity                      | definitions.yaml   | 13 | group account_payments refers to unknown entity 'acount'                 | did you mean 'account'?
        group_without_features              | definitions.yaml   | 10 | group account_payments has no features                                   | add features:
        group_with_empty_features           | definitions.yaml   | 14 | features of group account_payments is empty                              | list at least one feature
        feature_not_a_mapping               | definitions.yaml   | 16 | feature 2 of group account_payments must be a mapping of fields, got the string 'amount_sum' | { name: payment_count, agg: count, windows: [1h, 1d] }
        feature_invalid_name                | definitions.yaml   | 15 | feature name 'PaymentCount' in group account_payments is not valid       | try name: payment_count
        missing_agg                         | definitions.yaml   | 15 | feature payment_count has no agg                                         | aggregations: count, sum, avg
        unknown_aggregation                 | definitions.yaml   | 15 | unknown aggregation 'summ' in feature amount_total                       | did you mean 'sum'?
        missing_of                          | definitions.yaml   | 15 | feature amount_sum (sum) has no 'of', the event field to aggregate       | of: amount
        window_not_multiple_of_hop          | definitions.yaml   | 15 | window 90s is not a multiple of hop 1m in feature declined_count         | (e.g. 1m or 2m), or set hop: 30s
        hop_longer_than_window              | definitions.yaml   | 15 | hop 2h is longer than window 1h in feature payment_count                 | remove hop to use each window's default hop (1h → 5m)
        no_default_hop                      | definitions.yaml   | 15 | window 1500ms of feature payment_count has no default hop                | set hop explicitly, e.g. hop: 500ms
        lifetime_feature_with_hop           | definitions.yaml   | 15 | feature last_country has a hop but no windows                            | remove hop
        empty_windows                       | definitions.yaml   | 15 | windows of feature payment_count is empty                                | remove windows for a lifetime feature
        windows_not_a_list                  | definitions.yaml   | 15 | 'windows' of feature payment_count must be a list, got the string '1h'   | windows: [1h, 1d]
        duplicate_window                    | definitions.yaml   | 15 | window 1h is listed twice in feature payment_count (60m and 1h are the same window); both would serve payment_count_1h | remove one
        duplicate_feature_name              | definitions.yaml   | 17 | duplicate feature name 'payment_count' in group account_payments (first at line 15) | rename one of them
        duplicate_served_name               | definitions.yaml   | 16 | served name 'amount_1h' of feature amount_1h is also served by feature amount (line 15) | rename one of the features
        percentile_without_p                | definitions.yaml   | 15 | feature amount_p95 (approx_percentile) has no p                          | p: 0.95
        p_out_of_range                      | definitions.yaml   | 15 | p 95 of feature amount_p95 is outside (0, 1)                             | write the quantile as a fraction: p: 0.95
        p_not_a_number                      | definitions.yaml   | 15 | p of feature amount_p95 must be a number, got 'high'                     | strictly between 0 and 1
        last_k_without_k                    | definitions.yaml   | 15 | feature recent_cards (last_k) has no k                                   | add k: <1 to 100>
        k_out_of_range                      | definitions.yaml   | 15 | k 500 of feature top_merchants is out of range: top_k keeps 1 to 100 values | set k between 1 and 100
        k_not_a_number                      | definitions.yaml   | 15 | k of feature top_merchants must be a whole number, got '2.5'             | k: 5
        k_not_taken                         | definitions.yaml   | 15 | k is not used by aggregation sum in feature amount_sum                   | only last_k and top_k take k
        p_not_taken                         | definitions.yaml   | 15 | p is not used by aggregation max in feature amount_max                   | only approx_percentile takes p
        filter_syntax_error                 | definitions.yaml   | 18 | where of feature declined_count does not parse: unexpected end of filter at column 39 | )
        service_without_features            | services.yaml      |  1 | service account_risk has no features                                     | add features: [
        service_bad_selector                | services.yaml      |  3 | 'payment_count_1h' in service account_risk is not a feature selector     | <group>.<served name>
        service_unknown_group               | services.yaml      |  3 | service account_risk names unknown group 'account_payment'               | did you mean 'account_payments'?
        service_unknown_feature             | services.yaml      |  3 | service account_risk names unknown feature 'amount_sun_1d' of group account_payments | did you mean 'amount_sum_1d'
        service_feature_without_window      | services.yaml      |  3 | service account_risk names unknown feature 'amount_sum' of group account_payments | name one: account_payments.amount_sum_1h, account_payments.amount_sum_1d
        service_duplicate_feature           | services.yaml      |  5 | account_payments.amount_sum_1d is listed twice in service account_risk (by account_payments.* at line 4 | account_payments.* already includes
        service_feature_listed_twice        | services.yaml      |  5 | account_payments.amount_sum_1d is listed twice in service account_risk   | list each feature once: remove this entry
        schema_sum_over_string              | definitions.yaml   | 19 | field 'status' (sum input of feature status_sum of group account_payments) is enum Status in schema file schemas/payment.avsc (record com.acme.Payment); a sum input cannot be string | sum needs a number (long or double)
        schema_unknown_field                | definitions.yaml   | 19 | field 'amonut' (approx_distinct input of feature distinct_amounts of group account_payments) is not in schema file schemas/payment.avsc | did you mean 'amount'?
        schema_filter_unknown_field         | definitions.yaml   | 19 | field 'stauts' (filter of feature declined_count of group account_payments) is not in schema file schemas/payment.avsc | did you mean 'status'?
        schema_filter_type_mismatch         | definitions.yaml   | 19 | where of feature big_count of group account_payments does not fit the types in schema file schemas/payment.avsc (record com.acme.Payment): type mismatch at column 8: "amount" is a field of type number but "'big'" is a string | field amount holds numbers in the source's schema; compare it with a number, e.g. amount > 100
        schema_bytes_field                  | definitions.yaml   | 19 | field 'raw' (last input of feature last_raw of group account_payments) holds bytes (bytes in schema file schemas/payment.avsc | a single value
        schema_timestamp_micros             | definitions.yaml   |  5 | timestamp field 'ts_micros' of source payments is long (timestamp-micros) in schema file schemas/payment.avsc | produce timestamp-millis
        fields_on_avro_source               | definitions.yaml   | 12 | source payments is avro and declares fields                              | come from its schema file; remove fields:
        avro_confluent_without_schema       | definitions.yaml   |  5 | avro-confluent source payments has no schema                             | add schema: schemas/payments.avsc
        json_fields_sum_over_string         | definitions.yaml   | 18 | field 'status' (sum input of feature status_sum of group account_payments) is string in the fields source payments declares | sum needs a number
        json_fields_undeclared              | definitions.yaml   | 18 | field 'fee' (max input of feature max_fee of group account_payments) is not in the fields source payments declares | add the field to fields: of source payments
        json_fields_unknown_type            | definitions.yaml   |  9 | unknown type 'int' for field 'amount' in source payments                 | write long
        empty_folder                        | .                  |  0 | has no *.yaml or *.yml files                                             | add definitions
        """;

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
        LoadResult result = DefinitionLoader.validate(Fixtures.definitions("broken/" + c.folder()));

        assertThat(result.ok()).isFalse();
        assertThat(result.definitions()).isNull();
        assertThat(result.problems()).hasSize(1);
        Problem problem = result.problems().get(0);
        assertThat(problem.location().file()).isEqualTo(c.file());
        assertThat(problem.location().line()).isEqualTo(c.line());
        assertThat(problem.message()).contains(c.message());
        assertThat(problem.hint()).contains(c.hint());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void loadThrowsWithTheSameProblem(Case c) {
        Path dir = Fixtures.definitions("broken/" + c.folder());

        assertThatThrownBy(() -> DefinitionLoader.load(dir)).isInstanceOf(DefinitionException.class)
                .satisfies(e -> assertThat(((DefinitionException) e).problems())
                        .isEqualTo(DefinitionLoader.validate(dir).problems()))
                .hasMessageContaining(c.message());
    }

    @Test
    void everyBrokenFolderHasACaseAndEveryCaseAFolder() throws IOException {
        Path broken = Fixtures.definitions("broken");
        List<String> folders;
        try (Stream<Path> list = Files.list(broken)) {
            folders = list.map(p -> p.getFileName().toString()).toList();
        }
        assertThat(cases()).map(Case::folder).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(folders);
        assertThat(cases()).hasSizeGreaterThanOrEqualTo(25);
    }

    @Test
    void aMissingFolderIsAProblemNotACrash() {
        LoadResult result = DefinitionLoader.validate(Path.of("no", "such", "folder"));

        assertThat(result.problems()).singleElement().satisfies(p -> {
            assertThat(p.message()).contains("does not exist");
            assertThat(p.hint()).contains("--features");
        });
    }
}

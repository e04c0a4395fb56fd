package dev.tessera.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Definitions that fit their source's schema load; {@link BrokenDefinitionsTest} has one folder per
 * misfit. These are the fits that must not be refused: enums and unions with null read as their
 * scalar, nested records (alone or in a union with null) by dotted path, booleans as conditions,
 * int and long as whole numbers.
 */
class SourceSchemaCheckTest {
    private static final String SCHEMA = """
        {"type": "record", "name": "Payment", "namespace": "com.acme", "fields": [
          {"name": "event_time", "type": {"type": "long", "logicalType": "timestamp-millis"}},
          {"name": "payment_id", "type": "long"},
          {"name": "account_id", "type": ["null", "string"], "default": null},
          {"name": "amount", "type": ["null", "int", "double"], "default": null},
          {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["APPROVED", "DECLINED"]}},
          {"name": "new_device", "type": "boolean"},
          {"name": "tags", "type": {"type": "array", "items": "string"}},
          {"name": "billing", "type": ["null", {"type": "record", "name": "Address", "fields": [
            {"name": "country", "type": "string"}]}], "default": null}
        ]}
        """;

    @TempDir
    Path dir;

    @Test
    void avroFieldsThatFitTheirUsesLoad() throws IOException {
        Files.createDirectories(dir.resolve("schemas"));
        Files.writeString(dir.resolve("schemas/payment.avsc"), SCHEMA);
        Files.writeString(dir.resolve("defs.yaml"), """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: payments
            kafka: { topic: commerce.payments }
            format: avro-confluent
            schema: schemas/payment.avsc
            timestamp: event_time
            id: payment_id
            ---
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            features:
              - { name: amount_sum, agg: sum, of: amount, windows: [1h] }
              - { name: amount_p95, agg: approx_percentile, p: 0.95, of: amount, windows: [1d] }
              - { name: declined, agg: count, where: "status == 'DECLINED' and amount * 2 > 10", windows: [1h] }
              - { name: risky, agg: count, where: "new_device and billing.country in ('XX', 'YY')", windows: [1h] }
              - { name: countries, agg: approx_distinct, of: billing.country, windows: [1d] }
              - { name: last_status, agg: last, of: status }
              - { name: max_status, agg: max, of: status, windows: [1d] }
            """);

        LoadResult result = DefinitionLoader.validate(dir);

        assertThat(result.problems()).isEmpty();
        assertThat(result.definitions().source("payments").orElseThrow().format()).isEqualTo(SourceFormat.AVRO_CONFLUENT);
    }

    @Test
    void aJsonSourceDeclaresItsFieldsInOrder() throws IOException {
        Files.writeString(dir.resolve("defs.yaml"), """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: payments
            kafka: { topic: commerce.payments }
            fields: { event_time: string, account_id: long, amount: double, status: string, billing.country: string }
            timestamp: event_time
            ---
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            features:
              - { name: amount_sum, agg: sum, of: amount, where: "status != 'DECLINED'", windows: [1h] }
              - { name: countries, agg: approx_distinct, of: billing.country, windows: [1d] }
            """);

        LoadResult result = DefinitionLoader.validate(dir);

        assertThat(result.problems()).isEmpty();
        assertThat(result.definitions().source("payments").orElseThrow().fields()).containsExactly(
                Map.entry("event_time", FieldType.STRING), Map.entry("account_id", FieldType.LONG),
                Map.entry("amount", FieldType.DOUBLE), Map.entry("status", FieldType.STRING),
                Map.entry("billing.country", FieldType.STRING));
    }

    @Test
    void everyMisfitIsReportedNotJustTheFirst() throws IOException {
        writeAvroPayments("new_device", """
              - { name: tag_count, agg: count, of: tags, windows: [1h] }
              - { name: device_avg, agg: avg, of: new_device, windows: [1h] }
              - { name: odd, agg: count, where: "status > 3", windows: [1h] }
            """);

        List<Problem> problems = DefinitionLoader.validate(dir).problems();

        assertThat(problems).extracting(Problem::message).satisfiesExactly(
                m -> assertThat(m).startsWith("field 'new_device' (timestamp of source payments) is boolean"),
                m -> assertThat(m).startsWith("field 'tags' (count input of feature tag_count of group"
                        + " account_payments) holds an array"),
                m -> assertThat(m).startsWith("field 'new_device' (avg input of feature device_avg of group"
                        + " account_payments) is boolean"),
                m -> assertThat(m).contains("type mismatch").contains("\"status\" is a field of type string"));
        assertThat(problems).extracting(p -> p.location().line()).containsExactly(5, 17, 18, 19);
        // each at the value it is about: of's field, where's expression
        List<String> lines = Files.readAllLines(dir.resolve("defs.yaml"));
        assertThat(problems.subList(1, 4)).extracting(p -> p.location().column()).containsExactly(
                lines.get(16).indexOf("tags") + 1, lines.get(17).indexOf("new_device") + 1, lines.get(18).indexOf("\"status") + 1);
    }

    /** A feature written as a block points at the line of the value that does not fit, not at its name's. */
    @Test
    void aBlockFeaturesProblemIsAtTheLineOfItsValue() throws IOException {
        writeAvroPayments("event_time", """
              - name: amount_sum
                agg: sum
                windows: [1h]
                of: amout
              - name: odd
                agg: count
                windows: [1h]
                where: "statsu == 'DECLINED'"
            """);

        List<Problem> problems = DefinitionLoader.validate(dir).problems();

        assertThat(problems).extracting(Problem::message).satisfiesExactly(
                m -> assertThat(m).startsWith("field 'amout' (sum input of feature amount_sum"),
                m -> assertThat(m).startsWith("field 'statsu' (filter of feature odd"));
        assertThat(problems).extracting(p -> p.location().line() + ":" + p.location().column()).containsExactly("20:9", "24:12");
    }

    /**
     * defs.yaml with an account entity, an Avro source payments ({@link #SCHEMA}, timestamp {@code timestamp})
     * and group account_payments with {@code features} (list items, from line 17).
     */
    private void writeAvroPayments(String timestamp, String features) throws IOException {
        Files.createDirectories(dir.resolve("schemas"));
        Files.writeString(dir.resolve("schemas/payment.avsc"), SCHEMA);
        Files.writeString(dir.resolve("defs.yaml"), """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: payments
            kafka: { topic: commerce.payments }
            format: avro
            schema: schemas/payment.avsc
            timestamp: %s
            ---
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            features:
            """.formatted(timestamp) + features);
    }
    /**
     * A JSON source without fields takes any name a filter reads, so a misspelt true, false or null
     * would silently be a field that never holds; a real field of such a name is written in backticks.
     */
    @Test
    void aFilterOfASourceWithoutFieldsSpellingALiteralWrongIsRefused() throws IOException {
        Files.writeString(dir.resolve("defs.yaml"), """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: logins
            kafka: { topic: commerce.logins }
            timestamp: event_time
            ---
            kind: FeatureGroup
            name: account_logins
            source: logins
            entity: account
            features:
              - { name: failed, agg: count, where: "sucess == flase", windows: [1h] }
              - { name: unknown, agg: count, where: "device != nul", windows: [1h] }
              - { name: none, agg: count, where: "device is NULL", windows: [1h] }
              - { name: fine, agg: count, where: "success == FALSE and `ture` == 1 and full == 2 and nil == 3", windows: [1h] }
            """);

        List<Problem> problems = DefinitionLoader.validate(dir).problems();

        assertThat(problems).extracting(Problem::message).satisfiesExactly(
                m -> assertThat(m).startsWith("where of feature failed of group account_logins reads a field named 'flase'")
                        .contains("source logins declares no fields").contains("did you mean false?"),
                m -> assertThat(m).startsWith("where of feature unknown of group account_logins reads a field named 'nul'")
                        .contains("did you mean null?"));
        assertThat(problems.get(0).hint()).isEqualTo("write false; if the events really have a field named flase,"
                + " write it in backticks: `flase`");
        assertThat(problems.get(0).location().line()).isEqualTo(15);
    }
}

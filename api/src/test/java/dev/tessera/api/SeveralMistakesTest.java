package dev.tessera.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading never stops at the first problem. */
class SeveralMistakesTest {
    @Test
    void everyMistakeInEveryFileIsReportedInFileOrder() {
        LoadResult result = DefinitionLoader.validate(Fixtures.definitions("several"));

        assertThat(result.definitions()).isNull();
        assertThat(result.problems()).map(p -> p.location() + " " + p.message()).containsExactly(
                "defs.yaml:5:11 lateness of source payments: '1hour' is not a valid duration",
                "defs.yaml:9:9 group account_payments refers to unknown source 'payment'",
                "defs.yaml:12:40 unknown field 'windw' in feature payment_count",
                "defs.yaml:13:5 feature amount_sum (sum) has no 'of', the event field to aggregate",
                "defs.yaml:17:47 service risk names unknown group 'nope'",
                "entities.yaml:1:1 entity account has no keys",
                "entities.yaml:5:7 name 'Card' of the Entity at line 4 is not valid: names start with a lower-case"
                        + " letter and use only a-z, 0-9 and _");
    }

    /**
     * A file YAML cannot read as text says what is wrong and where: a control character (a NUL) at its line
     * and column, a file over the size limit with how to split it; the other files are still read.
     */
    @Test
    void aControlCharacterOrAnOversizedFileIsNamedWithWhatToDo(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("entities.yaml"), "kind: Entity\nname: account\nkeys: [account_id]\n");
        Files.writeString(dir.resolve("nul.yaml"), "kind: Entity\nname: c\u0000ard\nkeys: [card]\n");
        Files.writeString(dir.resolve("huge.yaml"), "# " + "x".repeat(DefinitionLoader.MAX_FILE_CODE_POINTS) + "\n");

        LoadResult result = DefinitionLoader.validate(dir);

        assertThat(result.problems()).map(p -> p.location() + " " + p.message() + " | " + p.hint()).containsExactly(
                "huge.yaml file has 3,145,731 characters, over the 3,145,728 a definitions file may hold | split it into"
                        + " several files: every *.yaml below the definitions folder is read",
                "nul.yaml:2:8 the file holds the control character U+0000, which YAML does not allow | remove it (a tool that"
                        + " wrote binary data into the file?), or write it as an escape inside a double-quoted string, e.g. \"\\x00\"");
    }

    /** A field mistake is reported in the same run as a reference mistake elsewhere (not only once that is fixed). */
    @Test
    void fieldProblemsAreReportedBesideReferenceProblems(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("defs.yaml"), """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: payments
            kafka: { topic: commerce.payments }
            fields: { event_time: string, account_id: string, amount: double, status: string }
            timestamp: event_time
            ---
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            features:
              - { name: amount_sum, agg: sum, of: amuont, windows: [1h] }
            ---
            kind: FeatureGroup
            name: other_payments
            source: paymnts
            entity: account
            features:
              - { name: payment_count, agg: count, windows: [1h] }
            """);

        LoadResult result = DefinitionLoader.validate(dir);

        assertThat(result.definitions()).isNull();
        assertThat(result.problems()).map(Problem::message)
                .anySatisfy(m -> assertThat(m).contains("refers to unknown source 'paymnts'"))
                .anySatisfy(m -> assertThat(m).contains("amuont"));
    }

    @Test
    void aSyntaxErrorInOneFileDoesNotHideProblemsInOthers(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.yaml"), "kind: Entity\nname: account\nkeys: [account_id\n");
        Files.writeString(dir.resolve("b.yaml"), "kind: Entity\nname: card\nkeys: []\n");

        LoadResult result = DefinitionLoader.validate(dir);

        assertThat(result.problems()).map(p -> p.location().file() + ":" + p.location().line()).containsExactly(
                "a.yaml:4", "b.yaml:3");
    }

    @Test
    void namesDeclaredAfterASyntaxErrorAreNotReportedUnknown(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.yaml"), """
                kind: FeatureGroup
                name: account_payments
                source: payments
                entity: account
                features: [{ name: payment_count, agg: count }]
                """);
        Files.writeString(dir.resolve("b.yaml"), "kind: Entity\nname: account\nkeys: [account_id]\n---\n"
                + "kind: Source\n\tname: payments\n");

        LoadResult result = DefinitionLoader.validate(dir);

        assertThat(result.problems()).singleElement().satisfies(p -> {
            assertThat(p.location().file()).isEqualTo("b.yaml");
            assertThat(p.message()).startsWith("YAML syntax error");
        });
    }

    @Test
    void aDefinitionWithItsOwnProblemIsNotReportedAgainAsUnknown(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("defs.yaml"), """
                kind: Entity
                name: account
                keys: [account_id]
                ---
                kind: Source
                name: payments
                timestamp: event_time
                ---
                kind: FeatureGroup
                name: account_payments
                source: payments
                entity: account
                features: [{ name: payment_count, agg: count, windows: [1h] }]
                ---
                kind: FeatureService
                name: risk
                features: [account_payments.payment_count_1h]
                """);

        LoadResult result = DefinitionLoader.validate(dir);

        assertThat(result.problems()).singleElement()
                .satisfies(p -> assertThat(p.message()).isEqualTo("source payments has no kafka topic"));
    }
}

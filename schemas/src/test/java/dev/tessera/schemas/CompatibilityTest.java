package dev.tessera.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each evolution against each level, with the outcome Avro's resolution rules give (written down
 * here from the specification, not computed): a reader fills a missing field only from a default,
 * finds a renamed field through its aliases, and promotes int to long but never string to number.
 */
class CompatibilityTest {
    private static Schema schema(String name) {
        return switch (name) {
            case "added_with_default" -> Schemas.V2_ADDED_WITH_DEFAULT;
            case "added_without_default" -> Schemas.ADDED_WITHOUT_DEFAULT;
            case "removed_country" -> Schemas.REMOVED_COUNTRY;
            case "renamed_country" -> Schemas.RENAMED_COUNTRY;
            case "amount_as_string" -> Schemas.AMOUNT_AS_STRING;
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest(name = "{0}: backward {1}, forward {2}")
    @CsvSource({
        // evolution,         backward ok, forward ok, field named
        "added_with_default,    true,  true,  ",
        "added_without_default, false, true,  channel",
        "removed_country,       true,  false, country",
        "renamed_country,       true,  false, country",
        "amount_as_string,      false, false, amount",
    })
    void eachLevelAcceptsWhatAvroCanResolve(String evolution, boolean backward, boolean forward, String field) {
        Schema next = schema(evolution);
        List<RegisteredSchema> v1 = List.of(new RegisteredSchema("p-value", 1, 1, Schemas.V1));

        assertThat(Compatibility.BACKWARD.problems(next, v1).isEmpty()).isEqualTo(backward);
        assertThat(Compatibility.FORWARD.problems(next, v1).isEmpty()).isEqualTo(forward);
        assertThat(Compatibility.FULL.problems(next, v1).isEmpty()).isEqualTo(backward && forward);
        assertThat(Compatibility.NONE.problems(next, v1)).isEmpty();
        if (field != null) {
            assertThat(Compatibility.FULL.problems(next, v1)).allSatisfy(m -> assertThat(m)
                    .contains("field '" + field + "'").contains("version 1"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"BACKWARD, true", "BACKWARD_TRANSITIVE, false", "FULL, true", "FULL_TRANSITIVE, false"})
    void transitiveLevelsCheckEveryEarlierVersion(Compatibility level, boolean accepted) {
        // v1 {id, amount, country}; v2 adds the string channel with a default; v3 drops the default. v3
        // reads v2's records (they have channel) but not v1's, so only the transitive levels refuse it.
        Schema v2 = Schemas.record(Schemas.ID + ", " + Schemas.AMOUNT + ", " + Schemas.COUNTRY
                + ", {\"name\": \"channel\", \"type\": \"string\", \"default\": \"web\"}");
        Schema v3 = Schemas.ADDED_WITHOUT_DEFAULT;
        List<RegisteredSchema> earlier = List.of(new RegisteredSchema("p-value", 1, 1, Schemas.V1),
                new RegisteredSchema("p-value", 2, 2, v2));

        List<String> problems = level.problems(v3, earlier);

        assertThat(problems.isEmpty()).isEqualTo(accepted);
        if (!accepted) {
            assertThat(problems).anySatisfy(m -> assertThat(m).contains("version 1").contains("field 'channel'")
                    .contains("has no default"));
        }
    }
}

package dev.tessera.runtime.decode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.FieldType;
import dev.tessera.api.Location;
import dev.tessera.api.Meta;
import dev.tessera.api.Source;
import dev.tessera.api.SourceFormat;
import dev.tessera.api.TimeSpan;
import dev.tessera.core.event.FieldLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A JSON source that declares its fields gets values of the declared types, or schema_mismatch. */
class DeclaredFieldsDecoderTest {
    private static final FieldLayout LAYOUT = FieldLayout.of("id", "amount", "count", "vip", "note");

    private static EventDecoder decoder() {
        Map<String, FieldType> fields = new LinkedHashMap<>();
        fields.put("id", FieldType.STRING);
        fields.put("amount", FieldType.DOUBLE);
        fields.put("count", FieldType.LONG);
        fields.put("vip", FieldType.BOOLEAN);
        Source s = new Source("payments", "t", SourceFormat.JSON, null, fields, "id", null, Source.DEFAULT_LATENESS,
                Source.DEFAULT_IDLE_TIMEOUT, TimeSpan.parse("1h"), Source.DEFAULT_MAX_CLOCK_SKEW,
                Meta.at(new Location("s.yaml", 1, 1)));
        return EventDecoders.forSource(s, Path.of("."), LAYOUT);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // JSON                                                              | id | amount | count | vip  | note
        "{\"id\": \"p1\", \"amount\": 12, \"count\": 3, \"vip\": true, \"note\": 5} | p1 | 12.0   | 3     | true | 5",
        "{\"id\": \"p2\", \"amount\": 2.5, \"count\": null, \"note\": \"x\"}     | p2 | 2.5    |       |      | x",
        "{\"id\": \"p3\"}                                                      | p3 |        |       |      |",
    })
    void declaredTypesAreKeptAndWholeNumbersWidenToDouble(String json, String id, Double amount, Long count,
            Boolean vip, String note) {
        Decoded d = decoder().decode(json.getBytes(StandardCharsets.UTF_8));

        assertThat(d.isAccepted()).as(d.toString()).isTrue();
        assertThat(d.event().get(0)).isEqualTo(id);
        assertThat(d.event().get(1)).isEqualTo(amount);
        assertThat(d.event().get(2)).isEqualTo(count);
        assertThat(d.event().get(3)).isEqualTo(vip);
        assertThat(d.event().get(4) == null ? null : d.event().get(4).toString()).as("undeclared: as sent").isEqualTo(note);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{\"id\": 7}                     | field 'id' holds a whole number, but source payments declares it string",
        "{\"id\": \"p\", \"amount\": \"12\"} | field 'amount' holds text, but source payments declares it double",
        "{\"id\": \"p\", \"count\": 2.5}   | field 'count' holds a fractional number, but source payments declares it long",
        "{\"id\": \"p\", \"vip\": \"yes\"}   | field 'vip' holds text, but source payments declares it boolean",
    })
    void otherKindsAreSchemaMismatches(String json, String message) {
        Decoded d = decoder().decode(json.getBytes(StandardCharsets.UTF_8));

        assertThat(d.reason()).isEqualTo(RejectReason.SCHEMA_MISMATCH);
        assertThat(d.message()).startsWith(message);
    }
}

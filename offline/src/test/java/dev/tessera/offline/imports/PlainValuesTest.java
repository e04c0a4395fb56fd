package dev.tessera.offline.imports;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.junit.jupiter.api.Test;

/** Parquet's logical types as a source's decoder understands them, and their JSON. */
class PlainValuesTest {
    private static Schema logical(org.apache.avro.LogicalType t, Schema.Type base) {
        return t.addToSchema(Schema.create(base));
    }

    @Test
    void timestampsOfEveryUnitBecomeEpochMillisRoundedDown() {
        long ms = 1_764_120_000_123L;
        assertThat(PlainValues.plain(ms, logical(LogicalTypes.timestampMillis(), Schema.Type.LONG))).isEqualTo(ms);
        assertThat(PlainValues.plain(ms * 1000 + 999, logical(LogicalTypes.timestampMicros(), Schema.Type.LONG))).isEqualTo(ms);
        assertThat(PlainValues.plain(ms * 1_000_000 + 999_999, logical(LogicalTypes.timestampNanos(), Schema.Type.LONG))).isEqualTo(ms);
        assertThat(PlainValues.plain(-1L, logical(LogicalTypes.timestampMicros(), Schema.Type.LONG))).isEqualTo(-1L);
        assertThat(PlainValues.plain(ms * 1000, logical(LogicalTypes.localTimestampMicros(), Schema.Type.LONG))).isEqualTo(ms);
        // INT96: nanoseconds of the day, then the Julian day (2440588 is 1970-01-01)
        byte[] int96 = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(3_600_000_000_001L).putInt(2_440_589).array();
        Schema fixed = Schema.createFixed("event_time", PlainValues.INT96_DOC, null, 12);
        assertThat(PlainValues.plain(new GenericData.Fixed(fixed, int96), fixed)).isEqualTo(86_400_000L + 3_600_000L);
    }

    @Test
    void datesDecimalsUnionsAndNestedValues() {
        assertThat(PlainValues.plain(20_418, logical(LogicalTypes.date(), Schema.Type.INT))).isEqualTo("2025-11-26");
        Schema dec = LogicalTypes.decimal(10, 2).addToSchema(Schema.create(Schema.Type.BYTES));
        assertThat(PlainValues.plain(ByteBuffer.wrap(new java.math.BigInteger("-12345").toByteArray()), dec))
                .isEqualTo(new BigDecimal("-123.45"));
        Schema row = SchemaBuilder.record("R").fields().optionalInt("n").name("tags").type().array().items().stringType().noDefault()
                .name("m").type().map().values().floatType().noDefault().endRecord();
        GenericData.Record r = new GenericData.Record(row);
        r.put("n", 7);
        r.put("tags", List.of(new org.apache.avro.util.Utf8("a")));
        r.put("m", Map.of(new org.apache.avro.util.Utf8("k"), 1.5f));
        assertThat(PlainValues.of(r)).isEqualTo(Map.of("n", 7L, "tags", List.of("a"), "m", Map.of("k", 1.5)));
        assertThat(new String(PlainValues.toJson(Map.of("x", Double.NaN)), StandardCharsets.UTF_8))
                .as("NaN as the literal the JSON decoder reads").isEqualTo("{\"x\":NaN}");
    }
}

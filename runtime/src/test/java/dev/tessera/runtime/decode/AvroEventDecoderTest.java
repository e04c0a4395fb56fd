package dev.tessera.runtime.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.TesseraException;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

/** Every rule of {@link AvroEventDecoder}, good input and bad. */
class AvroEventDecoderTest {
    static final Schema PAYMENT = new Schema.Parser().parse("""
            {"type": "record", "name": "Payment", "namespace": "com.acme", "fields": [
              {"name": "id", "type": "string"},
              {"name": "amount", "type": "double"},
              {"name": "count", "type": "int"},
              {"name": "cents", "type": "long"},
              {"name": "ratio", "type": "float"},
              {"name": "approved", "type": "boolean"},
              {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["APPROVED", "DECLINED"]}},
              {"name": "note", "type": ["null", "string"], "default": null},
              {"name": "billing", "type": ["null", {"type": "record", "name": "Billing", "fields": [
                {"name": "country", "type": "string"},
                {"name": "zip", "type": ["null", "string"], "default": null}]}], "default": null},
              {"name": "tags", "type": {"type": "array", "items": "string"}},
              {"name": "attrs", "type": {"type": "map", "values": "string"}},
              {"name": "raw", "type": "bytes"},
              {"name": "fp", "type": {"type": "fixed", "name": "Fp", "size": 4}},
              {"name": "meta", "type": {"type": "record", "name": "Meta", "fields": [
                {"name": "source", "type": "string"}]}},
              {"name": "either", "type": ["null", "string", "bytes"], "default": null},
              {"name": "nulls", "type": {"type": "array", "items": "null"}},
              {"name": "event_time", "type": {"type": "long", "logicalType": "timestamp-millis"}}
            ]}""");
    static final FieldLayout LAYOUT = FieldLayout.of("id", "amount", "count", "cents", "ratio", "approved", "status",
            "note", "billing.country", "billing.zip", "either", "event_time", "meta.source");

    private final AvroEventDecoder decoder = new AvroEventDecoder(PAYMENT, "schemas/payment.avsc", LAYOUT, 1 << 20);

    // ---------------------------------------------------------------- accepted input

    @Test
    void valuesBecomeCanonicalTypes() {
        Event e = accept(payment());
        assertThat(e.get(0)).isEqualTo("p1");
        assertThat(e.get(1)).isEqualTo(12.5);
        assertThat(e.get(2)).isEqualTo(3L);
        assertThat(e.get(3)).isEqualTo(1250L);
        assertThat(e.get(4)).isEqualTo(0.25);
        assertThat(e.get(5)).isEqualTo(Boolean.TRUE);
        assertThat(e.get(6)).isEqualTo("DECLINED");
        assertThat(e.get(7)).isNull();
        assertThat(e.get(8)).isEqualTo("FR");
        assertThat(e.get(9)).isNull();
        assertThat(e.get(10)).isEqualTo("x");
        assertThat(e.get(11)).isEqualTo(1_764_121_469_123L);
        assertThat(e.get(12)).isEqualTo("web");
        assertThat(e.get(-1)).isNull();
        assertThat(e.get(13)).isNull();
        for (int slot = 0; slot < LAYOUT.size(); slot++) {
            Object v = e.get(slot);
            assertThat(v == null || v instanceof String || v instanceof Long || v instanceof Double
                    || v instanceof Boolean).as("slot %d holds %s", slot, v).isTrue();
        }
    }

    @Test
    void aNullNestedRecordReadsAsNullFields() {
        GenericRecord r = payment();
        r.put("billing", null);
        r.put("note", "gift");
        Event e = accept(r);
        assertThat(e.get(8)).isNull();
        assertThat(e.get(9)).isNull();
        assertThat(e.get(7)).isEqualTo("gift");
    }

    @Test
    void fieldsOutsideTheLayoutMayHoldAnything() {
        GenericRecord r = payment();
        r.put("tags", List.of("a", "b", "c"));
        r.put("attrs", Map.of("k", "v"));
        r.put("nulls", Arrays.asList(null, null, null));
        assertThat(accept(r).get(0)).isEqualTo("p1");
    }

    @Test
    void specialDoublesAndExtremeTimesArePassedThrough() {
        GenericRecord r = payment();
        r.put("amount", Double.NaN);
        r.put("ratio", Float.NEGATIVE_INFINITY);
        r.put("event_time", 253_402_300_799_999L);
        r.put("cents", Long.MIN_VALUE);
        Event e = accept(r);
        assertThat((Double) e.get(1)).isNaN();
        assertThat(e.get(4)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(e.get(11)).isEqualTo(253_402_300_799_999L);
        assertThat(e.get(3)).isEqualTo(Long.MIN_VALUE);
        r.put("event_time", 0L);
        assertThat(accept(r).get(11)).isEqualTo(0L);
    }

    @Test
    void stringsAreKeptVerbatim() {
        GenericRecord r = payment();
        r.put("id", "'; DROP TABLE payments; -- <script>alert(1)</script> 山田 \uD83D\uDE00");
        r.put("note", "");
        Event e = accept(r);
        assertThat(e.get(0)).isEqualTo("'; DROP TABLE payments; -- <script>alert(1)</script> 山田 \uD83D\uDE00");
        assertThat(e.get(7)).isEqualTo("");
    }

    // ---------------------------------------------------------------- definition errors, found at startup

    @Test
    void aLayoutFieldMissingFromTheSchemaFailsConstruction() {
        assertThatThrownBy(() -> new AvroEventDecoder(PAYMENT, "schemas/payment.avsc", FieldLayout.of("id", "amout"), 100))
                .isInstanceOf(TesseraException.class)
                .hasMessageStartingWith("layout field 'amout' is not in Avro schema schemas/payment.avsc: record"
                        + " com.acme.Payment has no field 'amout' (its fields: id, amount, count,")
                .hasMessageEndingWith("); fix the field name in the definitions or add the field to the schema");
        assertThatThrownBy(() -> new AvroEventDecoder(PAYMENT, "p.avsc", FieldLayout.of("billing.city"), 100))
                .isInstanceOf(TesseraException.class)
                .hasMessageStartingWith("layout field 'billing.city' is not in Avro schema p.avsc: record"
                        + " com.acme.Billing has no field 'city' (its fields: country, zip)");
    }

    @Test
    void aDottedNameThroughANonRecordFailsConstruction() {
        assertThatThrownBy(() -> new AvroEventDecoder(PAYMENT, "p.avsc", FieldLayout.of("note.text"), 100))
                .isInstanceOf(TesseraException.class)
                .hasMessage("layout field 'note.text' reads 'text' from field 'note', which is a union of null, string"
                        + " in Avro schema p.avsc, not a record (or a union of null and one record); fix the field"
                        + " name in the definitions");
        assertThatThrownBy(() -> new AvroEventDecoder(PAYMENT, "p.avsc", FieldLayout.of("billing.country.code"), 100))
                .hasMessageContaining("field 'billing.country', which is of type string");
    }

    @Test
    void aLayoutUsingARecordAsValueAndAsParentFailsConstruction() {
        assertThatThrownBy(() -> new AvroEventDecoder(PAYMENT, "p.avsc", FieldLayout.of("billing", "billing.zip"), 100))
                .isInstanceOf(TesseraException.class)
                .hasMessageStartingWith("layout uses 'billing' both as a value and as the parent of 'billing.zip'");
    }

    @Test
    void aSchemaThatIsNotARecordFailsConstruction() {
        assertThatThrownBy(() -> new AvroEventDecoder(Schema.create(Schema.Type.STRING), "s.avsc", FieldLayout.of("id"), 1))
                .isInstanceOf(TesseraException.class)
                .hasMessage("Avro schema s.avsc is string, not a record; an event schema must be a record whose fields"
                        + " the definitions name");
    }

    // ---------------------------------------------------------------- rejected input

    @Test
    void nullValueIsMalformedAndOversizedIsTooLarge() {
        assertThat(decoder.decode(null).message())
                .isEqualTo("record value is null (a tombstone?); expected an Avro record of schemas/payment.avsc");
        byte[] value = encode(payment());
        AvroEventDecoder small = new AvroEventDecoder(PAYMENT, "p.avsc", LAYOUT, value.length - 1);
        Decoded r = small.decode(value);
        assertThat(r.reason()).isEqualTo(RejectReason.TOO_LARGE);
        assertThat(r.message()).startsWith("record is " + value.length + " bytes, over the limit of "
                + (value.length - 1) + " bytes per event");
        assertThat(new AvroEventDecoder(PAYMENT, "p.avsc", LAYOUT, value.length).decode(value).isAccepted()).isTrue();
    }

    @Test
    void emptyValueIsMalformed() {
        assertThat(reject(new byte[0], RejectReason.MALFORMED))
                .isEqualTo("not a plain Avro binary record of schemas/payment.avsc: the value is empty; send exactly"
                        + " one record encoded with this schema per Kafka record");
    }

    @Test
    void everyTruncationIsMalformed() {
        byte[] value = encode(payment());
        for (int len = 0; len < value.length; len++) {
            Decoded r = decoder.decode(Arrays.copyOf(value, len));
            assertThat(r.reason()).as("prefix of %d bytes: %s", len, r).isEqualTo(RejectReason.MALFORMED);
        }
        assertThat(decoder.decode(Arrays.copyOf(value, value.length - 1)).message())
                .contains("record ends at byte " + (value.length - 1));
    }

    @Test
    void trailingBytesAreMalformed() {
        byte[] value = encode(payment());
        byte[] longer = Arrays.copyOf(value, value.length + 3);
        assertThat(reject(longer, RejectReason.MALFORMED)).isEqualTo("not a plain Avro binary record of"
                + " schemas/payment.avsc: the record ends at byte " + value.length + " but the value has "
                + longer.length + " bytes (3 trailing); send exactly one record encoded with this schema per Kafka"
                + " record");
    }

    @Test
    void theConfluentWireFormatIsMalformedWithAHint() {
        byte[] value = encode(payment());
        byte[] framed = new byte[value.length + 5];
        framed[4] = 42; // magic byte 0, schema id 42
        System.arraycopy(value, 0, framed, 5, value.length);
        assertThat(reject(framed, RejectReason.MALFORMED))
                .contains("(the value starts with byte 0 like the Confluent wire format; this source reads plain Avro"
                        + " binary of its schema file)");
    }

    @Test
    void hugeLengthsAreMalformedWithoutAllocating() {
        Schema one = record("{\"name\": \"s\", \"type\": \"string\"}");
        AvroEventDecoder d = new AvroEventDecoder(one, "s.avsc", FieldLayout.of("s"), 1 << 20);
        assertThat(d.decode(concat(varlong(1L << 40), new byte[] {'a', 'b'})).message())
                .contains("length of a string at byte 0 is 1099511627776, but 2 bytes are left in the record");
        assertThat(d.decode(concat(varlong(Integer.MAX_VALUE - 8), new byte[8])).reason())
                .isEqualTo(RejectReason.MALFORMED);
        assertThat(d.decode(varlong(-5)).message()).contains("length of a string at byte 0 is -5");

        Schema bytes = record("{\"name\": \"b\", \"type\": \"bytes\"}");
        assertThat(new AvroEventDecoder(bytes, "b.avsc", FieldLayout.of(), 1 << 20).decode(varlong(1L << 31)).message())
                .contains("length of bytes at byte 0 is 2147483648");
    }

    @Test
    void hugeCollectionsAreMalformedWithoutAllocating() {
        Schema nulls = record("{\"name\": \"n\", \"type\": {\"type\": \"array\", \"items\": \"null\"}}");
        AvroEventDecoder d = new AvroEventDecoder(nulls, "n.avsc", FieldLayout.of(), 1 << 20);
        assertThat(d.decode(concat(varlong(1L << 30), varlong(0))).message())
                .contains("array block at byte 0 claims 1073741824 items, more than this 6-byte record can hold (at"
                        + " most 1024 collection items per record)");
        // many small blocks add up against the same budget
        ByteArrayOutputStream blocks = new ByteArrayOutputStream();
        for (int i = 0; i < 2_000; i++) {
            blocks.writeBytes(varlong(1000));
        }
        blocks.writeBytes(varlong(0));
        assertThat(d.decode(blocks.toByteArray()).message()).contains("array block at byte ").contains("claims 1000 items");
        // a legitimate array of nulls is fine
        assertThat(d.decode(concat(varlong(3), varlong(0))).isAccepted()).isTrue();

        Schema map = record("{\"name\": \"m\", \"type\": {\"type\": \"map\", \"values\": \"null\"}}");
        AvroEventDecoder md = new AvroEventDecoder(map, "m.avsc", FieldLayout.of(), 1 << 20);
        assertThat(md.decode(concat(varlong(-(1L << 40)), varlong(3), varlong(0))).message())
                .contains("map block at byte 0 claims 1099511627776 items");
    }

    @Test
    void badUnionAndEnumIndexesAreMalformed() {
        Schema union = record("{\"name\": \"u\", \"type\": [\"null\", \"string\"]}");
        AvroEventDecoder ud = new AvroEventDecoder(union, "u.avsc", FieldLayout.of("u"), 1 << 20);
        assertThat(ud.decode(varlong(7)).reason()).isEqualTo(RejectReason.MALFORMED);
        assertThat(ud.decode(varlong(-1)).reason()).isEqualTo(RejectReason.MALFORMED);
        Schema enumSchema = record("{\"name\": \"e\", \"type\": {\"type\": \"enum\", \"name\": \"E\", \"symbols\": [\"A\"]}}");
        AvroEventDecoder ed = new AvroEventDecoder(enumSchema, "e.avsc", FieldLayout.of("e"), 1 << 20);
        assertThat(ed.decode(varlong(1)).message()).startsWith("not a plain Avro binary record of e.avsc: ");
        assertThat(ed.decode(varlong(0)).event().get(0)).isEqualTo("A");
    }

    @Test
    void badBooleansAndVarintsAreMalformed() {
        Schema bool = record("{\"name\": \"b\", \"type\": \"boolean\"}");
        AvroEventDecoder bd = new AvroEventDecoder(bool, "b.avsc", FieldLayout.of("b"), 1 << 20);
        assertThat(bd.decode(new byte[] {2}).message()).contains("byte 0 holds 2 where a boolean (0 or 1) belongs");
        Schema longs = record("{\"name\": \"l\", \"type\": \"long\"}, {\"name\": \"i\", \"type\": \"int\"}");
        AvroEventDecoder ld = new AvroEventDecoder(longs, "l.avsc", FieldLayout.of("l", "i"), 1 << 20);
        byte[] elevenBytes = new byte[11];
        Arrays.fill(elevenBytes, (byte) 0xFF);
        assertThat(ld.decode(elevenBytes).message()).contains("varint at byte 0 is too large for an Avro long");
        assertThat(ld.decode(concat(varlong(1), new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F}))
                .message()).contains("varint at byte 1 is too large for an Avro int");
        Event e = ld.decode(concat(varlong(Long.MIN_VALUE), varlong(Integer.MIN_VALUE))).event();
        assertThat(e.get(0)).isEqualTo(Long.MIN_VALUE);
        assertThat(e.get(1)).isEqualTo((long) Integer.MIN_VALUE);
    }

    @Test
    void randomBytesNeverEscapeAsExceptions() {
        Random random = new Random(7);
        int accepted = 0;
        for (int i = 0; i < 3_000; i++) {
            byte[] garbage = new byte[random.nextInt(200)];
            random.nextBytes(garbage);
            Decoded r = decoder.decode(garbage);
            if (r.isAccepted()) {
                accepted++;
                for (int slot = 0; slot < LAYOUT.size(); slot++) {
                    r.event().get(slot);
                }
            } else {
                assertThat(r.reason()).as("case %d: %s", i, r).isIn(RejectReason.MALFORMED, RejectReason.SCHEMA_MISMATCH);
                assertThat(r.message()).isNotBlank();
            }
        }
        assertThat(accepted).as("random bytes are almost never a valid payment").isLessThan(30);
    }

    @Test
    void corruptedRecordsNeverEscapeAsExceptions() {
        Random random = new Random(11);
        byte[] value = encode(payment());
        for (int i = 0; i < 3_000; i++) {
            byte[] corrupt = value.clone();
            for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                corrupt[random.nextInt(corrupt.length)] = (byte) random.nextInt(256);
            }
            Decoded r = decoder.decode(corrupt);
            assertThat(r).as("case %d", i).isNotNull();
            if (r.isAccepted()) {
                for (int slot = 0; slot < LAYOUT.size(); slot++) {
                    r.event().get(slot);
                }
            }
        }
    }

    @Test
    void bytesFixedArraysMapsAndRecordsInTheLayoutAreSchemaMismatches() {
        GenericRecord r = payment();
        byte[] value = encode(r);
        Map<String, String> kinds = Map.of("raw", "bytes", "fp", "a fixed", "tags", "an array", "attrs", "a map",
                "meta", "a record");
        kinds.forEach((field, kind) -> {
            AvroEventDecoder d = new AvroEventDecoder(PAYMENT, "schemas/payment.avsc", FieldLayout.of("id", field), 1 << 20);
            Decoded decoded = d.decode(value);
            assertThat(decoded.reason()).as(field).isEqualTo(RejectReason.SCHEMA_MISMATCH);
            assertThat(decoded.message()).isEqualTo("field '" + field + "' holds " + kind + " in this record, but the"
                    + " definitions use it as a single value; a layout field must be a string, number, boolean, enum"
                    + " or null: refer to a scalar field instead, or change schemas/payment.avsc");
        });
    }

    @Test
    void aUnionIsJudgedByTheBranchEachRecordHolds() {
        GenericRecord r = payment();
        r.put("either", ByteBuffer.wrap(new byte[] {1, 2}));
        assertThat(reject(encode(r), RejectReason.SCHEMA_MISMATCH)).startsWith("field 'either' holds bytes");
        r.put("either", null);
        assertThat(accept(r).get(10)).isNull();
        r.put("either", new Utf8("text"));
        assertThat(accept(r).get(10)).isEqualTo("text");
    }

    // ---------------------------------------------------------------- helpers

    static GenericRecord payment() {
        GenericRecord billing = new GenericData.Record(PAYMENT.getField("billing").schema().getTypes().get(1));
        billing.put("country", "FR");
        GenericRecord meta = new GenericData.Record(PAYMENT.getField("meta").schema());
        meta.put("source", "web");
        GenericRecord r = new GenericData.Record(PAYMENT);
        r.put("id", "p1");
        r.put("amount", 12.5);
        r.put("count", 3);
        r.put("cents", 1250L);
        r.put("ratio", 0.25f);
        r.put("approved", true);
        r.put("status", new GenericData.EnumSymbol(PAYMENT.getField("status").schema(), "DECLINED"));
        r.put("billing", billing);
        r.put("tags", List.of());
        r.put("attrs", Map.of());
        r.put("raw", ByteBuffer.wrap(new byte[] {9}));
        r.put("fp", new GenericData.Fixed(PAYMENT.getField("fp").schema(), new byte[] {1, 2, 3, 4}));
        r.put("meta", meta);
        r.put("either", "x");
        r.put("nulls", List.of());
        r.put("event_time", 1_764_121_469_123L);
        return r;
    }

    static byte[] encode(GenericRecord record) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        try {
            new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A zigzag varint, as Avro writes ints and longs. */
    static byte[] varlong(long n) {
        long z = (n << 1) ^ (n >> 63);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((z & ~0x7FL) != 0) {
            out.write((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.write((int) z);
        return out.toByteArray();
    }

    private static Schema record(String fields) {
        return new Schema.Parser().parse("{\"type\": \"record\", \"name\": \"R\", \"fields\": [" + fields + "]}");
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private Event accept(GenericRecord record) {
        Decoded r = decoder.decode(encode(record));
        assertThat(r.isAccepted()).as("%s", r).isTrue();
        return r.event();
    }

    private String reject(byte[] value, RejectReason expected) {
        Decoded r = decoder.decode(value);
        assertThat(r.reason()).as("%s", r).isEqualTo(expected);
        return r.message();
    }
}

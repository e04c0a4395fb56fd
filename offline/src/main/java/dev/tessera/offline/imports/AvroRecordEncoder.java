package dev.tessera.offline.imports;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tessera.runtime.decode.RejectReason;
import dev.tessera.runtime.encode.PlainAvro;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Records of an Avro source: plain Avro binary of the source's schema file, what its decoder reads.
 * Every input row is first a plain map ({@link PlainValues}; a JSON line parsed, a CSV record's cells
 * as text, nested by dotted column names), then a record of the schema by {@link PlainAvro}'s rules
 * (defaults for missing fields, lossless conversions, a {@code schema_mismatch} naming the field
 * otherwise).
 */
final class AvroRecordEncoder implements RecordEncoder {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Schema schema;
    private final GenericDatumWriter<Object> writer;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
    private BinaryEncoder encoder;

    AvroRecordEncoder(Schema schema) {
        this.schema = schema;
        this.writer = new GenericDatumWriter<>(schema, GenericData.get());
    }

    @Override
    public byte[] encode(InputRow row) throws RowRejected {
        Map<String, Object> plain;
        if (row instanceof InputRow.JsonLine l) {
            plain = parse(l.bytes());
        } else if (row instanceof InputRow.CsvRecord c) {
            plain = csv(c.shape().root, c.cells());
        } else if (row instanceof InputRow.ParquetRow p) {
            plain = PlainValues.of(p.record());
        } else {
            InputRow.Unreadable u = (InputRow.Unreadable) row;
            throw new RowRejected(u.reason(), u.message());
        }
        Object record;
        try {
            record = PlainAvro.datum(plain, schema, "");
        } catch (PlainAvro.Unfit e) {
            throw new RowRejected(e.reason(), e.getMessage());
        }
        buffer.reset();
        encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
        try {
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new RowRejected(RejectReason.SCHEMA_MISMATCH, "the row does not fit Avro schema " + schema.getFullName() + ": "
                    + e.getMessage());
        }
        return buffer.toByteArray();
    }

    @Override
    public boolean textual() {
        return false;
    }

    private static Map<String, Object> parse(byte[] line) throws RowRejected {
        Object v;
        try {
            v = JSON.readValue(line, Object.class);
        } catch (JsonProcessingException e) {
            throw new RowRejected(RejectReason.MALFORMED, "not a JSON object: " + e.getOriginalMessage()
                    + "; write one JSON object per line");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!(v instanceof Map)) {
            throw new RowRejected(RejectReason.MALFORMED, "the line is " + (v == null ? "null" : v instanceof List ? "an array"
                    : "a single value") + ", not a JSON object; write one JSON object per line");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) v;
        return m;
    }

    private static Map<String, Object> csv(Map<String, Object> shape, String[] cells) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : shape.entrySet()) {
            if (e.getValue() instanceof Integer i) {
                m.put(e.getKey(), cells[i]);
            } else {
                @SuppressWarnings("unchecked")
                Map<String, Object> nested = (Map<String, Object>) e.getValue();
                m.put(e.getKey(), csv(nested, cells));
            }
        }
        return m;
    }
}

package dev.tessera.runtime.decode;

import dev.tessera.api.TesseraException;
import dev.tessera.core.event.FieldLayout;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.IndexedRecord;

/**
 * Decodes plain Avro binary (one record of the source's schema file, no Confluent wire-format
 * header: that comes with the schema registry) into a {@link GenericRecordEvent}.
 *
 * <h2>Design</h2>
 *
 * <ul>
 *   <li><b>Resolved once.</b> The constructor maps each layout field to the positions of its path
 *       through the schema ({@code billing.country} → position of {@code billing}, then of
 *       {@code country} in the billing record; a nested record may sit in a union with null). A
 *       layout field the schema lacks is a definition error found at startup: the constructor
 *       throws a {@link TesseraException} naming the field, the record and its fields.
 *   <li><b>Decoding.</b> Avro's {@link GenericDatumReader} builds the record over a
 *       {@link BoundedBinaryDecoder}, which caps every length read from the data by the record
 *       itself, so garbage can neither exhaust memory nor throw past {@link #decode}. The whole
 *       value must be consumed: trailing bytes mean a different schema or a framing problem.
 *   <li><b>Values.</b> {@link GenericRecordEvent} converts on access (Utf8 caches its String).
 *       Layout fields holding bytes, fixed, arrays, maps or records are rejected at decode time as
 *       {@code schema_mismatch} (a union may hold a scalar in one record and bytes in the next).
 *       Logical types are read as their underlying type (timestamp-millis as a long; a decimal
 *       is bytes, hence a mismatch). Strings are not validated as UTF-8; invalid sequences read
 *       as U+FFFD, as everywhere in Avro.
 *   <li><b>Threads.</b> Immutable and thread-safe: Avro's reader keeps its resolving decoders per
 *       thread, and each call has its own {@link BoundedBinaryDecoder}.
 * </ul>
 */
final class AvroEventDecoder implements EventDecoder {
    private final String schemaName;
    private final GenericDatumReader<IndexedRecord> reader;
    private final AvroLayout fields;
    private final int maxRecordBytes;

    /**
     * @param schemaName how messages name the schema (its file, relative to the definitions)
     * @throws TesseraException when the schema is not a record, or lacks a layout field
     */
    AvroEventDecoder(Schema schema, String schemaName, FieldLayout layout, int maxRecordBytes) {
        if (maxRecordBytes < 1) {
            throw new IllegalArgumentException("max record size must be positive, got " + maxRecordBytes + " bytes");
        }
        this.fields = AvroLayout.of(schema, schemaName, layout);
        this.schemaName = schemaName;
        this.reader = new GenericDatumReader<>(schema, schema, GenericData.get());
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public Decoded decode(byte[] value) {
        if (value == null) {
            return Decoded.rejected(RejectReason.MALFORMED,
                    "record value is null (a tombstone?); expected an Avro record of " + schemaName);
        }
        if (value.length > maxRecordBytes) {
            return Decoded.rejected(RejectReason.TOO_LARGE, "record is " + value.length + " bytes, over the limit of "
                    + maxRecordBytes + " bytes per event; send smaller events (larger ones would not fit Kafka's default 1 MB message size either)");
        }
        return fields.read(reader, value, 0, "the value is empty", detail -> malformed(value, detail));
    }

    private Decoded malformed(byte[] value, String detail) {
        String confluentHint = value.length > 5 && value[0] == 0
                ? " (the value starts with byte 0 like the Confluent wire format; this source reads plain Avro binary"
                        + " of its schema file)"
                : "";
        return Decoded.rejected(RejectReason.MALFORMED, "not a plain Avro binary record of " + schemaName + ": "
                + detail + confluentHint + "; send exactly one record encoded with this schema per Kafka record");
    }
}

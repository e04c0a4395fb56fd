package dev.tessera.runtime.decode;

import dev.tessera.core.event.FieldLayout;
import dev.tessera.schemas.Compatibility;
import dev.tessera.schemas.ConfluentWireFormat;
import dev.tessera.schemas.RegisteredSchema;
import dev.tessera.schemas.SchemaRegistry;
import dev.tessera.schemas.SchemaRegistryException;
import dev.tessera.schemas.SchemaRegistryUnavailableException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.IndexedRecord;

/**
 * Decodes the Confluent wire format (a 0 byte, the writer schema's registry id, Avro binary) into
 * events of the source's schema file, the <em>reader</em> schema (ADR 015).
 *
 * <h2>Evolution</h2>
 * Each record is read with the schema it was written with (looked up by id, once per id: the
 * registry is a {@link dev.tessera.schemas.CachedSchemaRegistry}) and resolved into the reader
 * schema by Avro's rules: a field the writer lacks takes the reader's default, a field the reader
 * lacks is skipped, a renamed field is found through the reader's aliases, int widens to long. So
 * producers can move from v1 to v2 while the runtime runs, and a feature over a field v2 added
 * counts from the first v2 record on. Per writer id the resolution is prepared once, after
 * checking with Avro's schema compatibility rules that the reader can read that writer at all.
 *
 * <h2>Rejections</h2>
 * <ul>
 *   <li>{@code malformed}: no header (not the wire format), or a body that does not decode with its
 *       writer schema (truncated, trailing bytes, garbage);
 *   <li>{@code schema_mismatch}: an id the registry does not know, a writer schema the reader cannot
 *       read (named with the field), or a layout field holding a non-scalar;
 *   <li>{@code too_large}: over the size limit.
 * </ul>
 * A registry that cannot be reached is not the record's fault: {@link #decode} throws
 * {@link SchemaRegistryUnavailableException}, and the consumer retries the record until it can be
 * read (nothing is dead-lettered, nothing is skipped). An unknown id is remembered as unknown for
 * {@value #UNKNOWN_ID_RETRY_MILLIS} ms, so a stream of bad ids does not flood the registry.
 */
final class ConfluentAvroDecoder implements EventDecoder {
    static final long UNKNOWN_ID_RETRY_MILLIS = 30_000;

    private final Schema readerSchema;
    private final String schemaName;
    private final SchemaRegistry registry;
    private final AvroLayout fields;
    private final int maxRecordBytes;
    private final Map<Integer, Writer> writers = new ConcurrentHashMap<>();

    /** How records written with one schema id are read: a resolving reader, or why they cannot be. */
    private record Writer(GenericDatumReader<IndexedRecord> reader, String refusal, long refusedAt) {
    }

    ConfluentAvroDecoder(Schema readerSchema, String schemaName, SchemaRegistry registry, FieldLayout layout,
            int maxRecordBytes) {
        if (maxRecordBytes < 1) {
            throw new IllegalArgumentException("max record size must be positive, got " + maxRecordBytes + " bytes");
        }
        this.fields = AvroLayout.of(readerSchema, schemaName, layout);
        this.readerSchema = readerSchema;
        this.schemaName = schemaName;
        this.registry = registry;
        this.maxRecordBytes = maxRecordBytes;
    }

    @Override
    public Decoded decode(byte[] value) {
        if (value == null) {
            return Decoded.rejected(RejectReason.MALFORMED,
                    "record value is null (a tombstone?); expected an Avro record in the Confluent wire format");
        }
        if (value.length > maxRecordBytes) {
            return Decoded.rejected(RejectReason.TOO_LARGE, "record is " + value.length + " bytes, over the limit of "
                    + maxRecordBytes + " bytes per event; send smaller events (larger ones would not fit Kafka's default 1 MB message size either)");
        }
        if (!ConfluentWireFormat.hasHeader(value)) {
            return Decoded.rejected(RejectReason.MALFORMED, "not the Confluent wire format: " + (value.length
                    < ConfluentWireFormat.HEADER_BYTES ? "only " + value.length + " bytes, shorter than the 5-byte header"
                    : "the first byte is " + (value[0] & 0xff) + ", not the magic byte 0") + "; produce with a"
                    + " Confluent Avro serializer, or declare the source format: avro for plain Avro binary");
        }
        int id = ConfluentWireFormat.schemaId(value);
        Writer writer = writer(id);
        if (writer.reader() == null) {
            return Decoded.rejected(RejectReason.SCHEMA_MISMATCH, writer.refusal());
        }
        return fields.read(writer.reader(), value, ConfluentWireFormat.HEADER_BYTES, "the body is empty",
                detail -> malformed(id, detail));
    }

    private Decoded malformed(int id, String detail) {
        return Decoded.rejected(RejectReason.MALFORMED, "the body does not decode with its writer schema (id " + id
                + "): " + detail + "; the record is truncated or corrupt, or was framed with the wrong schema id");
    }

    private Writer writer(int id) {
        Writer w = writers.get(id);
        if (w != null && (w.reader() != null || w.refusedAt() == 0
                || System.currentTimeMillis() - w.refusedAt() < UNKNOWN_ID_RETRY_MILLIS)) {
            return w;
        }
        w = prepare(id); // throws SchemaRegistryUnavailableException: nothing is cached then
        writers.put(id, w);
        return w;
    }

    private Writer prepare(int id) {
        RegisteredSchema written;
        try {
            written = registry.byId(id);
        } catch (SchemaRegistryException e) {
            if (!e.notFound()) {
                throw new SchemaRegistryUnavailableException("the schema registry refused to give schema " + id + ": "
                        + e.getMessage(), e);
            }
            return new Writer(null, "schema id " + id + " is not in the schema registry (" + e.getMessage() + "); the"
                    + " producer wrote against another registry, or the record is not in the Confluent wire format",
                    System.currentTimeMillis());
        }
        List<String> problems = Compatibility.whyCannotRead(readerSchema, written.schema());
        if (!problems.isEmpty()) {
            String why = String.join("; ", problems);
            return new Writer(null, "written with schema id " + id + ", which " + schemaName + " cannot read: " + why
                    + "; evolve the producer's schema compatibly (a new field needs a default), or update "
                    + schemaName, 0);
        }
        return new Writer(new GenericDatumReader<>(written.schema(), readerSchema, GenericData.get()), null, 0);
    }
}

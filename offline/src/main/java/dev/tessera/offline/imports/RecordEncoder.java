package dev.tessera.offline.imports;

import dev.tessera.api.Source;
import dev.tessera.api.SourceFormat;
import dev.tessera.api.TesseraException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.tessera.schemas.ConfluentWireFormat;
import dev.tessera.schemas.RegisteredSchema;
import dev.tessera.schemas.SchemaRegistry;
import org.apache.avro.Schema;

/**
 * Turns an input row into the record value the source's decoder reads: what Kafka would have carried,
 * and what the archive keeps as {@code _raw}. One per source format:
 * {@link JsonRecordEncoder} (JSON objects) and {@link AvroRecordEncoder} (plain Avro binary of the
 * source's schema).
 */
interface RecordEncoder {
    /**
     * The record bytes of {@code row}.
     *
     * @throws RowRejected when the row cannot be such a record ({@code malformed}, {@code schema_mismatch})
     */
    byte[] encode(InputRow row) throws RowRejected;

    /** Whether record bytes are text (JSON): then the rejects file shows them as text. */
    boolean textual();

    /**
     * @param registry for avro-confluent: the registry that holds the source's schema file under
     *                 {@code <topic>-value}; records are framed with that id, as a producer would
     */
    static RecordEncoder forSource(Source source, Path definitionsDir, SchemaRegistry registry) {
        if (source.format() == SourceFormat.JSON) {
            return new JsonRecordEncoder();
        }
        Path file = definitionsDir.resolve(source.schema()).normalize();
        Schema schema;
        try {
            schema = new Schema.Parser().parse(Files.readString(file));
        } catch (IOException | RuntimeException e) {
            throw new TesseraException("cannot read the Avro schema " + file + " of source '" + source.name() + "': " + e.getMessage(), e);
        }
        AvroRecordEncoder avro = new AvroRecordEncoder(schema);
        if (source.format() == SourceFormat.AVRO) {
            return avro;
        }
        if (registry == null) {
            throw new TesseraException("source '" + source.name() + "' reads the Confluent wire format, which needs a"
                    + " schema registry: give --schema-registry URL, or run tessera run once so that the embedded"
                    + " registry in <data>/schema-registry holds " + source.schema());
        }
        int id = registry.lookup(source.valueSubject(), schema).map(RegisteredSchema::id).orElseThrow(() ->
                new TesseraException("schema file " + source.schema() + " of source '" + source.name() + "' is not"
                        + " registered under " + source.valueSubject() + "; register it (tessera run registers it in"
                        + " the embedded registry at start) and import again"));
        return new RecordEncoder() {
            @Override
            public byte[] encode(InputRow row) throws RowRejected {
                return ConfluentWireFormat.frame(id, avro.encode(row));
            }

            @Override
            public boolean textual() {
                return false;
            }
        };
    }
}

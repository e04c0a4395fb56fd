package dev.tessera.offline.imports;

import dev.tessera.api.Source;
import dev.tessera.api.SourceFormat;
import dev.tessera.api.TesseraException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    static RecordEncoder forSource(Source source, Path definitionsDir) {
        if (source.format() == SourceFormat.JSON) {
            return new JsonRecordEncoder();
        }
        Path file = definitionsDir.resolve(source.schema()).normalize();
        try {
            return new AvroRecordEncoder(new Schema.Parser().parse(Files.readString(file)));
        } catch (IOException | RuntimeException e) {
            throw new TesseraException("cannot read the Avro schema " + file + " of source '" + source.name() + "': " + e.getMessage(), e);
        }
    }
}

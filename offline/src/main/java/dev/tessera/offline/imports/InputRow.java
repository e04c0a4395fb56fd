package dev.tessera.offline.imports;

import dev.tessera.runtime.decode.RejectReason;
import java.nio.charset.StandardCharsets;
import org.apache.avro.generic.GenericRecord;

/** One row of an input file as read, before it is a record of the source ({@link RecordEncoder}). */
sealed interface InputRow {
    /** The row as text for the rejects file: what a person fixes and imports again. */
    String text();

    /** A JSON Lines line, without its line end. */
    record JsonLine(byte[] bytes) implements InputRow {
        @Override
        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** A CSV record: one cell per header column (null for an empty cell), and its text as in the file. */
    record CsvRecord(CsvShape shape, String[] cells, String text) implements InputRow {}

    /** A Parquet row, in the file's own schema. */
    record ParquetRow(GenericRecord record) implements InputRow {
        @Override
        public String text() {
            return PlainValues.toJsonText(record);
        }
    }

    /** A row the reader could not make sense of (a CSV record with the wrong number of fields, a line over the size limit). */
    record Unreadable(RejectReason reason, String message, String text) implements InputRow {}
}

package dev.tessera.offline.archive;

import dev.tessera.api.TesseraException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Reads the events of one archive file column by column (parquet-column's {@link ColumnReader}),
 * without assembling Avro records: the fixed columns of {@link ArchiveSchema}, and, when asked,
 * the key columns of some key fields (found through the file's {@code tessera.key_columns}
 * metadata, so files written under other definitions are read right). About half the cost of the
 * record path, which builds a record, boxes every number and copies every string twice.
 */
final class ArchiveColumns {
    private ArchiveColumns() {
    }

    /** Receives an event and the texts of the key columns asked for ({@code keys} null: the file has not all of them). */
    @FunctionalInterface
    interface Sink {
        void accept(ArchivedEvent event, String[] keys);
    }

    private static final String[] FIXED = {ArchiveSchema.PARTITION, ArchiveSchema.OFFSET, ArchiveSchema.INGEST_TIME, ArchiveSchema.EVENT_TIME,
        ArchiveSchema.ID, ArchiveSchema.RAW};

    /**
     * Calls {@code sink} for every event of {@code file} with {@code fromMillis <= event_time < untilMillis},
     * with the texts of the key columns of {@code keyFields} (an empty list: none asked for).
     */
    static void read(Path file, long fromMillis, long untilMillis, List<String> keyFields, Sink sink) {
        ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration()).build();
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), options)) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            String[] keyColumns = keyColumns(reader.getFooter().getFileMetaData().getKeyValueMetaData(), keyFields, schema);
            List<Type> fields = new ArrayList<>();
            for (String c : FIXED) {
                fields.add(schema.getType(c));
            }
            if (keyColumns != null) {
                for (String c : keyColumns) {
                    fields.add(schema.getType(c));
                }
            }
            MessageType requested = new MessageType(schema.getName(), fields);
            reader.setRequestedSchema(requested);
            String createdBy = reader.getFooter().getFileMetaData().getCreatedBy();
            List<ColumnDescriptor> columns = requested.getColumns();
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                ColumnReadStoreImpl store = new ColumnReadStoreImpl(pages, new NoConverter(fields.size()), requested, createdBy);
                ColumnReader[] c = new ColumnReader[columns.size()];
                int[] maxDef = new int[c.length];
                for (int i = 0; i < c.length; i++) {
                    c[i] = store.getColumnReader(columns.get(i));
                    maxDef[i] = columns.get(i).getMaxDefinitionLevel();
                }
                int keys = c.length - FIXED.length;
                for (long row = pages.getRowCount(); row > 0; row--) {
                    long time = c[3].getLong();
                    if (time >= fromMillis && time < untilMillis) {
                        String id = c[4].getCurrentDefinitionLevel() == 0 ? null : c[4].getBinary().toStringUsingUTF8();
                        String[] keyTexts = null;
                        if (keyColumns != null) {
                            keyTexts = new String[keys];
                            for (int k = 0; k < keys; k++) {
                                ColumnReader kc = c[FIXED.length + k];
                                keyTexts[k] = kc.getCurrentDefinitionLevel() == 0 ? null : kc.getBinary().toStringUsingUTF8();
                            }
                        }
                        sink.accept(new ArchivedEvent(c[0].getInteger(), c[1].getLong(), c[2].getLong(), time, id,
                                c[5].getBinary().getBytes()), keyTexts);
                    }
                    for (int i = 0; i < c.length; i++) {
                        if (c[i].getCurrentDefinitionLevel() == maxDef[i]) {
                            c[i].skip(); // a value not read must be skipped, or the column falls out of step (no-op once read)
                        }
                        c[i].consume();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof TesseraException t) {
                throw t;
            }
            throw new TesseraException("cannot read archive file " + file + ": " + e + ". A manifest names it, so it was"
                    + " committed complete and something else changed or removed it: restore it, or move its manifest out of "
                    + ArchiveLayout.MANIFESTS + " to drop it from the archive", e);
        }
    }

    /**
     * The key column of each of {@code keyFields} in a file, from its {@code tessera.key_columns}
     * metadata ({@code column=field,...}); null when a field has none there (an empty list: none asked).
     */
    static String[] keyColumns(Map<String, String> metadata, List<String> keyFields, MessageType schema) {
        if (keyFields.isEmpty()) {
            return null;
        }
        String mapping = metadata.get("tessera.key_columns");
        if (mapping == null) {
            return null;
        }
        Map<String, String> columnOfField = new HashMap<>();
        for (String pair : mapping.split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                columnOfField.putIfAbsent(pair.substring(eq + 1), pair.substring(0, eq));
            }
        }
        String[] out = new String[keyFields.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = columnOfField.get(keyFields.get(i));
            if (out[i] == null || !schema.containsField(out[i])) {
                return null;
            }
        }
        return out;
    }

    /** The converter parquet-column insists on; values are read from the column readers directly. */
    private static final class NoConverter extends GroupConverter {
        private final PrimitiveConverter leaf = new PrimitiveConverter() { };
        private final int fields;

        NoConverter(int fields) {
            this.fields = fields;
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            if (fieldIndex >= fields) {
                throw new IllegalArgumentException("no field " + fieldIndex);
            }
            return leaf;
        }

        @Override
        public void start() {
        }

        @Override
        public void end() {
        }
    }
}

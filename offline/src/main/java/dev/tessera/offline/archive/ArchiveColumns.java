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
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
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
 *
 * <p>Typed reads (format 2): a reader that asks for value fields with its decoder fingerprint gets
 * each event's values from the typed columns and {@code _raw} is not read at all — when the file
 * can give them exactly: format 2, the same decoder fingerprint, a column for every field asked for
 * and for every key field, and no row marked {@code _untyped} (by the footer's null counts). Any
 * other file is read as before, {@code _raw} included and no values: the reader decodes.
 */
final class ArchiveColumns {
    private ArchiveColumns() {
    }

    private static final String[] FIXED = {ArchiveSchema.PARTITION, ArchiveSchema.OFFSET, ArchiveSchema.INGEST_TIME, ArchiveSchema.EVENT_TIME,
        ArchiveSchema.ID, ArchiveSchema.RAW};
    private static final int RAW_INDEX = 5;

    /**
     * Calls {@code sink} for every event of {@code file} with {@code fromMillis <= event_time < untilMillis},
     * with the texts of the key columns of {@code keyFields} (an empty list: none asked for) and, when
     * {@code decoder} is not null and the file can give them, the typed values of {@code valueFields}
     * ({@code values} null: decode the event's raw bytes; when given, the raw bytes are null: not
     * read). {@code keys} is null when the file has not all of the key columns. An event the sink
     * does not {@linkplain EventScan.ValueSink#wants want} is passed over before its id and values are read.
     */
    static void read(Path file, long fromMillis, long untilMillis, List<String> keyFields, List<String> valueFields, String decoder,
            EventScan.ValueSink sink) {
        PlainParquetConfiguration conf = new PlainParquetConfiguration();
        ZstdPages codecs = new ZstdPages(ParquetReadOptions.builder(conf).build().getCodecFactory());
        ParquetReadOptions options = ParquetReadOptions.builder(conf).withCodecFactory(codecs).build();
        try (codecs; ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), options)) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            Map<String, String> metadata = reader.getFooter().getFileMetaData().getKeyValueMetaData();
            String[] keyColumns = keyColumns(metadata, keyFields, schema);
            int[][] valueKinds = decoder == null || keyColumns == null && !keyFields.isEmpty() ? null
                    : valueKinds(metadata, valueFields, decoder, schema, reader.getFooter().getBlocks());
            String[] valueColumns = valueKinds == null ? null : valueColumns(metadata, valueFields);
            boolean typed = valueColumns != null;
            List<Type> fields = new ArrayList<>();
            for (String c : FIXED) {
                if (!typed || !c.equals(ArchiveSchema.RAW)) {
                    fields.add(schema.getType(c));
                }
            }
            int firstKey = fields.size();
            if (keyColumns != null) {
                for (String c : keyColumns) {
                    fields.add(schema.getType(c));
                }
            }
            int firstValue = fields.size();
            if (typed) {
                for (int v = 0; v < valueColumns.length; v++) {
                    for (int kind : valueKinds[v]) {
                        fields.add(schema.getType(valueColumns[v] + ArchiveSchema.VALUE_SUFFIXES[kind]));
                    }
                }
            }
            MessageType requested = new MessageType(schema.getName(), fields);
            reader.setRequestedSchema(requested);
            String createdBy = reader.getFooter().getFileMetaData().getCreatedBy();
            List<ColumnDescriptor> columns = requested.getColumns();
            int keys = firstValue - firstKey;
            int values = typed ? valueColumns.length : 0;
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                ColumnReadStoreImpl store = new ColumnReadStoreImpl(pages, new NoConverter(fields.size()), requested, createdBy);
                ColumnReader[] c = new ColumnReader[columns.size()];
                int[] maxDef = new int[c.length];
                for (int i = 0; i < c.length; i++) {
                    c[i] = store.getColumnReader(columns.get(i));
                    maxDef[i] = columns.get(i).getMaxDefinitionLevel();
                }
                for (long row = pages.getRowCount(); row > 0; row--) {
                    long time = c[3].getLong();
                    String[] keyTexts = null;
                    if (time >= fromMillis && time < untilMillis && keyColumns != null) {
                        keyTexts = new String[keys];
                        for (int k = 0; k < keys; k++) {
                            ColumnReader kc = c[firstKey + k];
                            keyTexts[k] = kc.getCurrentDefinitionLevel() == 0 ? null : kc.getBinary().toStringUsingUTF8();
                        }
                    }
                    if (time >= fromMillis && time < untilMillis && sink.wants(keyTexts, time)) {
                        String id = c[4].getCurrentDefinitionLevel() == 0 ? null : c[4].getBinary().toStringUsingUTF8();
                        Object[] valueArray = null;
                        byte[] raw = null;
                        if (typed) {
                            valueArray = new Object[values];
                            for (int v = 0, column = firstValue; v < values; column += valueKinds[v].length, v++) {
                                valueArray[v] = value(c, maxDef, column, valueKinds[v]);
                            }
                        } else {
                            raw = c[RAW_INDEX].getBinary().getBytes();
                        }
                        sink.accept(new ArchivedEvent(c[0].getInteger(), c[1].getLong(), c[2].getLong(), time, id, raw), keyTexts, valueArray);
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

    /** The value of one field: from whichever of its columns in the file (of {@code kinds}) is set; none: null. */
    private static Object value(ColumnReader[] c, int[] maxDef, int first, int[] kinds) {
        for (int k = 0; k < kinds.length; k++) {
            ColumnReader r = c[first + k];
            if (r.getCurrentDefinitionLevel() == maxDef[first + k]) {
                return switch (kinds[k]) {
                    case ArchiveSchema.LONG -> r.getLong();
                    case ArchiveSchema.DOUBLE -> r.getDouble();
                    case ArchiveSchema.STRING -> r.getBinary().toStringUsingUTF8();
                    default -> r.getBoolean();
                };
            }
        }
        return null;
    }

    /**
     * Per field of {@code valueFields}: the kinds ({@link ArchiveSchema#LONG}...) of its value columns
     * that hold a value somewhere in the file (by the footer's null counts: columns null throughout,
     * most of them, are not read at all) — when the file can give exactly what decoding its
     * {@code _raw} with {@code decoder} would: format 2 or later, written with that decoder
     * fingerprint, a column for every field, and no {@code _untyped} row. Else null.
     */
    static int[][] valueKinds(Map<String, String> metadata, List<String> valueFields, String decoder, MessageType schema,
            List<BlockMetaData> blocks) {
        String version = metadata.get(ArchiveSchema.VERSION_KEY);
        if (version == null || Integer.parseInt(version) < 2 || metadata.get(ArchiveSchema.VALUE_COLUMNS_KEY) == null
                || !decoder.equals(metadata.get(ArchiveSchema.DECODER_KEY)) || !schema.containsField(ArchiveSchema.UNTYPED)) {
            return null;
        }
        String[] bases = valueColumns(metadata, valueFields);
        if (bases == null) {
            return null;
        }
        Map<String, Integer> column = new HashMap<>();
        for (int v = 0; v < bases.length; v++) {
            for (int kind = 0; kind < ArchiveSchema.VALUE_SUFFIXES.length; kind++) {
                String name = bases[v] + ArchiveSchema.VALUE_SUFFIXES[kind];
                if (!schema.containsField(name)) {
                    return null;
                }
                column.put(name, v * ArchiveSchema.VALUE_SUFFIXES.length + kind);
            }
        }
        boolean[] used = new boolean[bases.length * ArchiveSchema.VALUE_SUFFIXES.length];
        for (BlockMetaData block : blocks) {
            boolean untypedAllNull = false;
            for (ColumnChunkMetaData chunk : block.getColumns()) {
                String name = chunk.getPath().toDotString();
                Integer c = column.get(name);
                if (!name.equals(ArchiveSchema.UNTYPED) && c == null) {
                    continue;
                }
                Statistics<?> stats = chunk.getStatistics();
                boolean allNull = stats != null && stats.isNumNullsSet() && stats.getNumNulls() == block.getRowCount();
                if (c != null) {
                    used[c] |= !allNull;
                } else {
                    untypedAllNull = allNull;
                }
            }
            if (!untypedAllNull) {
                return null;
            }
        }
        int[][] kinds = new int[bases.length][];
        for (int v = 0; v < bases.length; v++) {
            int n = 0;
            int[] k = new int[ArchiveSchema.VALUE_SUFFIXES.length];
            for (int kind = 0; kind < k.length; kind++) {
                if (used[v * k.length + kind]) {
                    k[n++] = kind;
                }
            }
            kinds[v] = java.util.Arrays.copyOf(k, n);
        }
        return kinds;
    }

    /** The value-column base name of each of {@code valueFields}, from the file's {@code tessera.value_columns}; null when one has none. */
    static String[] valueColumns(Map<String, String> metadata, List<String> valueFields) {
        String mapping = metadata.get(ArchiveSchema.VALUE_COLUMNS_KEY);
        if (mapping == null) {
            return null;
        }
        Map<String, String> columnOfField = new HashMap<>();
        if (!mapping.isEmpty()) {
            for (String pair : mapping.split(",")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    columnOfField.putIfAbsent(pair.substring(eq + 1), pair.substring(0, eq));
                }
            }
        }
        String[] out = new String[valueFields.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = columnOfField.get(valueFields.get(i));
            if (out[i] == null) {
                return null;
            }
        }
        return out;
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

package dev.tessera.offline.archive;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The columns of a source's archive files, in this order:
 * <pre>
 *  _partition    int      Kafka partition
 *  _offset       long     Kafka offset
 *  _ingest_time  long     Kafka record timestamp (timestamp-millis, UTC)
 *  event_time    long     the source's timestamp field (timestamp-millis, UTC)
 *  id            string?  the source's id field, null when absent
 *  &lt;key&gt;...      string?  each key field of each group the source feeds, as entity-key text
 *  &lt;v&gt;__long     long?    } format 2: per field a group reads ({@link TypedColumns}), the value the
 *  &lt;v&gt;__double   double?  } decoder produced, in the column of its canonical type (at most one is
 *  &lt;v&gt;__string   string?  } set; none: null or absent)
 *  &lt;v&gt;__bool     boolean? }
 *  _untyped      boolean? format 2: true when a value field held a value of no canonical type (the
 *                         row's typed columns are then all null: readers decode {@code _raw})
 *  _raw          bytes    the record value exactly as produced
 * </pre>
 * A key column is named after its field, dots of a nested path replaced by {@code _} and any other
 * character outside {@code [A-Za-z0-9_]} too; a name that would clash with a column above or an
 * earlier key column gets {@code key_} in front (then a number). The field each key column holds is
 * recorded in the file's metadata ({@code tessera.key_columns}). Value columns are named the same
 * way after their field ({@code value_} in front on a clash), with a suffix per type; the file's
 * metadata maps them ({@code tessera.value_columns}: {@code name=field,...}) and records the decoder
 * fingerprint ({@code tessera.decoder}). Readers that need no decoded values use the fixed columns.
 *
 * <p>Format history: 1, fixed and key columns; 2 (2026-11-26), value columns and {@code _untyped}
 * added. Files of both are read; a format 1 file has no value columns, so readers decode {@code _raw}.
 */
final class ArchiveSchema {
    static final String PARTITION = "_partition";
    static final String OFFSET = "_offset";
    static final String INGEST_TIME = "_ingest_time";
    static final String EVENT_TIME = "event_time";
    static final String ID = "id";
    static final String RAW = "_raw";
    static final String UNTYPED = "_untyped";
    static final int FORMAT_VERSION = 2;
    static final String VERSION_KEY = "tessera.archive.version";
    static final String VALUE_COLUMNS_KEY = "tessera.value_columns";
    static final String DECODER_KEY = "tessera.decoder";
    /** Suffixes of a field's value columns, by canonical type; the order of {@link #valueKind}. */
    static final String[] VALUE_SUFFIXES = {"__long", "__double", "__string", "__bool"};
    static final int LONG = 0;
    static final int DOUBLE = 1;
    static final int STRING = 2;
    static final int BOOL = 3;

    private static final Set<String> FIXED = Set.of(PARTITION, OFFSET, INGEST_TIME, EVENT_TIME, ID, RAW, UNTYPED);

    final Schema avro;
    final List<String> keyFields;
    final List<String> keyColumns;
    final Map<String, String> fileMetadata;
    final int valueFields;

    private ArchiveSchema(Schema avro, List<String> keyFields, List<String> keyColumns, Map<String, String> fileMetadata, int valueFields) {
        this.avro = avro;
        this.keyFields = keyFields;
        this.keyColumns = keyColumns;
        this.fileMetadata = fileMetadata;
        this.valueFields = valueFields;
    }

    static ArchiveSchema of(String source, List<String> keyFields, TypedColumns typed) {
        List<String> columns = keyColumnNames(keyFields);
        List<String> values = valueColumnNames(typed.fields(), columns);
        SchemaBuilder.FieldAssembler<Schema> f = SchemaBuilder.record("ArchivedEvent").namespace("dev.tessera.archive")
                .doc("events of source " + source + " as archived by Tessera")
                .fields()
                .requiredInt(PARTITION)
                .requiredLong(OFFSET)
                .name(INGEST_TIME).type(millis()).noDefault()
                .name(EVENT_TIME).type(millis()).noDefault()
                .optionalString(ID);
        for (int i = 0; i < columns.size(); i++) {
            f = f.name(columns.get(i)).doc("key field " + keyFields.get(i)).type().optional().stringType();
        }
        for (int i = 0; i < values.size(); i++) {
            String base = values.get(i);
            String doc = "value of field " + typed.fields().get(i) + " when it is a ";
            f = f.name(base + VALUE_SUFFIXES[LONG]).doc(doc + "long").type().optional().longType()
                    .name(base + VALUE_SUFFIXES[DOUBLE]).doc(doc + "double").type().optional().doubleType()
                    .name(base + VALUE_SUFFIXES[STRING]).doc(doc + "string").type().optional().stringType()
                    .name(base + VALUE_SUFFIXES[BOOL]).doc(doc + "boolean").type().optional().booleanType();
        }
        Schema schema = f.name(UNTYPED).doc("true: a value field held a value of no canonical type; decode _raw")
                .type().optional().booleanType()
                .requiredBytes(RAW).endRecord();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(VERSION_KEY, Integer.toString(FORMAT_VERSION));
        meta.put("tessera.source", source);
        StringBuilder keys = new StringBuilder();
        for (int i = 0; i < columns.size(); i++) {
            keys.append(i == 0 ? "" : ",").append(columns.get(i)).append('=').append(keyFields.get(i));
        }
        meta.put("tessera.key_columns", keys.toString());
        StringBuilder vals = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            vals.append(i == 0 ? "" : ",").append(values.get(i)).append('=').append(typed.fields().get(i));
        }
        meta.put(VALUE_COLUMNS_KEY, vals.toString());
        meta.put(DECODER_KEY, typed.decoder());
        return new ArchiveSchema(schema, List.copyOf(keyFields), List.copyOf(columns), Map.copyOf(meta), values.size());
    }

    /**
     * The column of a value's canonical type ({@link #LONG}, {@link #DOUBLE}, {@link #STRING},
     * {@link #BOOL}); -1 for null, -2 for a value of no canonical type.
     */
    static int valueKind(Object v) {
        if (v == null) {
            return -1;
        }
        if (v instanceof Long) {
            return LONG;
        }
        if (v instanceof Double) {
            return DOUBLE;
        }
        if (v instanceof String) {
            return STRING;
        }
        if (v instanceof Boolean) {
            return BOOL;
        }
        return -2;
    }

    /** Base names of value columns: like key columns, {@code value_} in front where a typed name would clash. */
    static List<String> valueColumnNames(List<String> valueFields, List<String> keyColumns) {
        Set<String> taken = new HashSet<>(FIXED);
        taken.addAll(keyColumns);
        List<String> names = new ArrayList<>();
        for (String field : valueFields) {
            String base = field.replaceAll("[^A-Za-z0-9_]", "_");
            if (base.isEmpty() || Character.isDigit(base.charAt(0))) {
                base = "_" + base;
            }
            String name = base;
            if (clashes(name, taken)) {
                name = "value_" + base;
            }
            for (int n = 2; clashes(name, taken); n++) {
                name = "value_" + base + "_" + n;
            }
            for (String suffix : VALUE_SUFFIXES) {
                taken.add(name + suffix);
            }
            taken.add(name);
            names.add(name);
        }
        return names;
    }

    private static boolean clashes(String base, Set<String> taken) {
        if (taken.contains(base)) {
            return true;
        }
        for (String suffix : VALUE_SUFFIXES) {
            if (taken.contains(base + suffix)) {
                return true;
            }
        }
        return false;
    }

    /** The fixed columns only: what event readers ask the files for (every archive file has them). */
    static Schema eventProjection() {
        return SchemaBuilder.record("ArchivedEvent").namespace("dev.tessera.archive").fields()
                .requiredInt(PARTITION)
                .requiredLong(OFFSET)
                .name(INGEST_TIME).type(millis()).noDefault()
                .name(EVENT_TIME).type(millis()).noDefault()
                .optionalString(ID)
                .requiredBytes(RAW)
                .endRecord();
    }

    /** Event time and id only: what rebuilding the dedup state reads. */
    static Schema idProjection() {
        return SchemaBuilder.record("ArchivedEvent").namespace("dev.tessera.archive").fields()
                .name(EVENT_TIME).type(millis()).noDefault()
                .optionalString(ID)
                .endRecord();
    }

    /** Event time, id and record bytes: what an import reads to recognise rows it would add again. */
    static Schema idAndRawProjection() {
        return SchemaBuilder.record("ArchivedEvent").namespace("dev.tessera.archive").fields()
                .name(EVENT_TIME).type(millis()).noDefault()
                .optionalString(ID)
                .requiredBytes(RAW)
                .endRecord();
    }

    private static Schema millis() {
        return LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));
    }

    static List<String> keyColumnNames(List<String> keyFields) {
        Set<String> taken = new HashSet<>(FIXED);
        List<String> names = new ArrayList<>();
        for (String field : keyFields) {
            String base = field.replaceAll("[^A-Za-z0-9_]", "_");
            if (base.isEmpty() || Character.isDigit(base.charAt(0))) {
                base = "_" + base;
            }
            String name = base;
            if (taken.contains(name)) {
                name = "key_" + base;
            }
            for (int n = 2; taken.contains(name); n++) {
                name = "key_" + base + "_" + n;
            }
            taken.add(name);
            names.add(name);
        }
        return names;
    }

    /**
     * One row; {@code keys} in {@link #keyColumns} order, {@code values} in the order of the
     * {@link TypedColumns#fields()} the schema was made for.
     */
    GenericRecord record(int partition, long offset, long ingestTime, long eventTime, String id, String[] keys, Object[] values, byte[] raw) {
        GenericData.Record r = new GenericData.Record(avro);
        r.put(0, partition);
        r.put(1, offset);
        r.put(2, ingestTime);
        r.put(3, eventTime);
        r.put(4, id);
        for (int i = 0; i < keys.length; i++) {
            r.put(5 + i, keys[i]);
        }
        int first = 5 + keys.length;
        if (values.length != valueFields) {
            throw new IllegalArgumentException(values.length + " values for " + valueFields + " value fields");
        }
        boolean untyped = false;
        for (Object v : values) {
            untyped |= valueKind(v) == -2;
        }
        if (!untyped) {
            for (int i = 0; i < values.length; i++) {
                int kind = valueKind(values[i]);
                if (kind >= 0) {
                    r.put(first + 4 * i + kind, values[i]);
                }
            }
        }
        r.put(first + 4 * values.length, untyped ? Boolean.TRUE : null);
        r.put(first + 4 * values.length + 1, ByteBuffer.wrap(raw));
        return r;
    }
}

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
 *  _raw          bytes    the record value exactly as produced
 * </pre>
 * A key column is named after its field, dots of a nested path replaced by {@code _} and any other
 * character outside {@code [A-Za-z0-9_]} too; a name that would clash with a column above or an
 * earlier key column gets {@code key_} in front (then a number). The field each key column holds is
 * recorded in the file's metadata ({@code tessera.key_columns}). Readers of events use the fixed
 * columns and decode {@code _raw}; the key columns are there for people querying the files.
 */
final class ArchiveSchema {
    static final String PARTITION = "_partition";
    static final String OFFSET = "_offset";
    static final String INGEST_TIME = "_ingest_time";
    static final String EVENT_TIME = "event_time";
    static final String ID = "id";
    static final String RAW = "_raw";
    static final int FORMAT_VERSION = 1;

    private static final Set<String> FIXED = Set.of(PARTITION, OFFSET, INGEST_TIME, EVENT_TIME, ID, RAW);

    final Schema avro;
    final List<String> keyFields;
    final List<String> keyColumns;
    final Map<String, String> fileMetadata;

    private ArchiveSchema(Schema avro, List<String> keyFields, List<String> keyColumns, Map<String, String> fileMetadata) {
        this.avro = avro;
        this.keyFields = keyFields;
        this.keyColumns = keyColumns;
        this.fileMetadata = fileMetadata;
    }

    static ArchiveSchema of(String source, List<String> keyFields) {
        List<String> columns = keyColumnNames(keyFields);
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
        Schema schema = f.requiredBytes(RAW).endRecord();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("tessera.archive.version", Integer.toString(FORMAT_VERSION));
        meta.put("tessera.source", source);
        StringBuilder keys = new StringBuilder();
        for (int i = 0; i < columns.size(); i++) {
            keys.append(i == 0 ? "" : ",").append(columns.get(i)).append('=').append(keyFields.get(i));
        }
        meta.put("tessera.key_columns", keys.toString());
        return new ArchiveSchema(schema, List.copyOf(keyFields), List.copyOf(columns), Map.copyOf(meta));
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

    /** One row; {@code keys} in {@link #keyColumns} order. */
    GenericRecord record(int partition, long offset, long ingestTime, long eventTime, String id, String[] keys, byte[] raw) {
        GenericData.Record r = new GenericData.Record(avro);
        r.put(0, partition);
        r.put(1, offset);
        r.put(2, ingestTime);
        r.put(3, eventTime);
        r.put(4, id);
        for (int i = 0; i < keys.length; i++) {
            r.put(5 + i, keys[i]);
        }
        r.put(5 + keys.length, ByteBuffer.wrap(raw));
        return r;
    }
}

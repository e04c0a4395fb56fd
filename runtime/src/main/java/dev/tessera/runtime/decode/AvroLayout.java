package dev.tessera.runtime.decode;

import dev.tessera.api.TesseraException;
import dev.tessera.core.event.FieldLayout;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.IndexedRecord;

/**
 * Where each layout field sits in records of one Avro (reader) schema, resolved once: the
 * positions of its path ({@code billing.country} → position of {@code billing}, then of
 * {@code country} in the billing record; a nested record may sit in a union with null). Shared by
 * the plain and the Confluent Avro decoders, which both hand records of the reader schema here.
 */
final class AvroLayout {
    private final String schemaName;
    private final List<String> names;
    private final int[][] paths;

    private AvroLayout(String schemaName, List<String> names, int[][] paths) {
        this.schemaName = schemaName;
        this.names = names;
        this.paths = paths;
    }

    /**
     * @throws TesseraException when the schema is not a record, or lacks a layout field (naming the
     *     field, the record and its fields)
     */
    static AvroLayout of(Schema schema, String schemaName, FieldLayout layout) {
        if (schema.getType() != Schema.Type.RECORD) {
            throw new TesseraException("Avro schema " + schemaName + " is " + schema.getType().getName()
                    + ", not a record; an event schema must be a record whose fields the definitions name");
        }
        List<String> names = layout.names();
        int[][] paths = new int[names.size()][];
        List<DottedName> dotted = DottedName.parseAll(layout);
        for (int slot = 0; slot < paths.length; slot++) {
            paths[slot] = resolve(schema, dotted.get(slot), schemaName);
        }
        return new AvroLayout(schemaName, names, paths);
    }

    /**
     * Reads the one record in {@code value} from byte {@code start} to its end with {@code reader},
     * then {@linkplain #accept accepts} it. Whatever goes wrong with the bytes (a short or garbled
     * value, bad union or enum indexes, trailing bytes, a recursive schema nesting without bound)
     * becomes {@code malformed(detail)}; nothing is thrown.
     */
    Decoded read(GenericDatumReader<IndexedRecord> reader, byte[] value, int start, String emptyDetail,
            Function<String, Decoded> malformed) {
        BoundedBinaryDecoder in = new BoundedBinaryDecoder(value, start);
        IndexedRecord record;
        try {
            record = reader.read(null, in);
        } catch (IOException e) {
            return malformed.apply(value.length == start ? emptyDetail : e.getMessage());
        } catch (RuntimeException e) {
            // Avro signals bad union and enum indexes, and some limits, with unchecked exceptions
            return malformed.apply((e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + " (decoding stopped at byte " + in.position() + ")");
        } catch (StackOverflowError e) {
            // only a recursive schema nests without bound; the stack is unwound by now
            return malformed.apply("records nested too deeply (a recursive schema) before byte " + in.position());
        }
        if (!in.isEnd()) {
            return malformed.apply("the record ends at byte " + in.position() + " but the value has " + value.length
                    + " bytes (" + (value.length - in.position()) + " trailing)");
        }
        return accept(record);
    }

    /**
     * The event of a decoded record, or {@code schema_mismatch} when a layout field holds bytes, a
     * fixed, an array, a map or a record in it (a union may hold a scalar in one record and bytes in
     * the next).
     */
    Decoded accept(IndexedRecord record) {
        for (int slot = 0; slot < paths.length; slot++) {
            String kind = GenericRecordEvent.kindAt(GenericRecordEvent.raw(record, paths[slot]));
            if (kind != null) {
                return Decoded.rejected(RejectReason.SCHEMA_MISMATCH, "field '" + names.get(slot) + "' holds " + kind
                        + " in this record, but the definitions use it as a single value; a layout field must be a"
                        + " string, number, boolean, enum or null: refer to a scalar field instead, or change "
                        + schemaName);
            }
        }
        return Decoded.accepted(new GenericRecordEvent(record, paths));
    }

    private static int[] resolve(Schema root, DottedName name, String schemaName) {
        List<String> segments = name.segments();
        int[] path = new int[segments.size()];
        Schema record = root;
        for (int i = 0; i < path.length; i++) {
            String segment = segments.get(i);
            Schema.Field field = record.getField(segment);
            if (field == null) {
                throw new TesseraException("layout field '" + name.name() + "' is not in Avro schema " + schemaName
                        + ": record " + record.getFullName() + " has no field '" + segment + "' (its fields: "
                        + record.getFields().stream().map(Schema.Field::name).collect(Collectors.joining(", "))
                        + "); fix the field name in the definitions or add the field to the schema");
            }
            path[i] = field.pos();
            if (i < path.length - 1) {
                Schema nested = recordIn(field.schema());
                if (nested == null) {
                    throw new TesseraException("layout field '" + name.name() + "' reads '" + segments.get(i + 1)
                            + "' from field '" + String.join(".", segments.subList(0, i + 1)) + "', which is "
                            + describe(field.schema()) + " in Avro schema " + schemaName + ", not a record (or a"
                            + " union of null and one record); fix the field name in the definitions");
                }
                record = nested;
            }
        }
        return path;
    }

    /** The record a field holds: itself, or the only record branch of a union; else null. */
    private static Schema recordIn(Schema s) {
        if (s.getType() == Schema.Type.RECORD) {
            return s;
        }
        if (s.getType() != Schema.Type.UNION) {
            return null;
        }
        Schema found = null;
        for (Schema branch : s.getTypes()) {
            if (branch.getType() == Schema.Type.RECORD) {
                if (found != null) {
                    return null;
                }
                found = branch;
            }
        }
        return found;
    }

    private static String describe(Schema s) {
        return s.getType() == Schema.Type.UNION
                ? "a union of " + s.getTypes().stream().map(t -> t.getType().getName()).collect(Collectors.joining(", "))
                : "of type " + s.getType().getName();
    }

}

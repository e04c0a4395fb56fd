package dev.tessera.api;

import dev.tessera.api.filter.FieldKind;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;

/**
 * What each field of a source can hold, by dotted path ({@code billing.country}): from its Avro
 * schema file (the reader schema, so what decoding produces) or from the fields a JSON source
 * declares. {@link SourceSchemaCheck} checks the definitions against it.
 */
final class FieldShapes {
    /**
     * One field.
     *
     * @param types     the scalar kinds it can hold (Avro int/long as LONG, float/double as DOUBLE,
     *                  string/enum as STRING); empty when it holds no scalar
     * @param nonScalar what non-scalar it can hold ("bytes", "a record", "an array", "a map"), or null
     * @param logical   the Avro logical type of its long branch ({@code timestamp-micros}...), or null
     * @param describe  how messages name its type ({@code "union of null and string"})
     */
    record Shape(Set<FieldType> types, String nonScalar, String logical, String describe) {
        FieldKind kind() {
            if (types.size() != 1 || nonScalar != null) {
                return FieldKind.ANY;
            }
            FieldType t = types.iterator().next();
            return t == FieldType.STRING ? FieldKind.STRING : t == FieldType.BOOLEAN ? FieldKind.BOOLEAN
                    : FieldKind.NUMBER;
        }
    }

    private final String origin;
    private final Map<String, Shape> byPath;

    private FieldShapes(String origin, Map<String, Shape> byPath) {
        this.origin = origin;
        this.byPath = byPath;
    }

    /** How messages name where the fields come from: "schema file schemas/payment.avsc". */
    String origin() {
        return origin;
    }

    Shape get(String path) {
        return byPath.get(path);
    }

    /** Every path, for "did you mean" hints. */
    Set<String> paths() {
        return byPath.keySet();
    }

    static FieldShapes declared(Source source) {
        Map<String, Shape> byPath = new LinkedHashMap<>();
        source.fields().forEach((name, type) -> byPath.put(name, new Shape(EnumSet.of(type), null, null,
                type.yamlName())));
        return new FieldShapes("the fields source " + source.name() + " declares", byPath);
    }

    /** The fields of an Avro record schema, nested records (alone or in a union with null) included. */
    static FieldShapes avro(String file, Schema record) {
        Map<String, Shape> byPath = new LinkedHashMap<>();
        walk(record, "", byPath, new HashSet<>());
        return new FieldShapes("schema file " + file + " (record " + record.getFullName() + ")", byPath);
    }

    private static void walk(Schema record, String prefix, Map<String, Shape> out, Set<String> onPath) {
        if (!onPath.add(record.getFullName())) {
            return; // a recursive schema: its nested fields are listed once
        }
        for (Schema.Field f : record.getFields()) {
            String path = prefix + f.name();
            out.put(path, shape(f.schema()));
            Schema nested = recordIn(f.schema());
            if (nested != null) {
                walk(nested, path + ".", out, onPath);
            }
        }
        onPath.remove(record.getFullName());
    }

    /** The record a field holds: itself, or the only record branch of a union (as decoding follows). */
    private static Schema recordIn(Schema s) {
        if (s.getType() == Schema.Type.RECORD) {
            return s;
        }
        if (s.getType() != Schema.Type.UNION) {
            return null;
        }
        List<Schema> records = s.getTypes().stream().filter(b -> b.getType() == Schema.Type.RECORD).toList();
        return records.size() == 1 ? records.get(0) : null;
    }

    private static Shape shape(Schema s) {
        List<Schema> branches = s.getType() == Schema.Type.UNION ? s.getTypes() : List.of(s);
        Set<FieldType> types = EnumSet.noneOf(FieldType.class);
        List<String> nonScalars = new ArrayList<>();
        String logical = null;
        for (Schema b : branches) {
            switch (b.getType()) {
                case STRING, ENUM -> types.add(FieldType.STRING);
                case INT, LONG -> {
                    types.add(FieldType.LONG);
                    LogicalType lt = b.getLogicalType();
                    if (lt != null) {
                        logical = lt.getName();
                    }
                }
                case FLOAT, DOUBLE -> types.add(FieldType.DOUBLE);
                case BOOLEAN -> types.add(FieldType.BOOLEAN);
                case NULL -> { }
                case BYTES, FIXED -> nonScalars.add(b.getLogicalType() != null ? b.getLogicalType().getName()
                        + " (bytes)" : "bytes");
                case ARRAY -> nonScalars.add("an array");
                case MAP -> nonScalars.add("a map");
                case RECORD -> nonScalars.add("a record");
                default -> nonScalars.add(b.getType().getName());
            }
        }
        String describe = branches.size() == 1 ? name(s)
                : "a union of " + branches.stream().map(FieldShapes::name).collect(Collectors.joining(" and "));
        return new Shape(types, nonScalars.isEmpty() ? null : String.join(", ", nonScalars), logical, describe);
    }

    private static String name(Schema s) {
        String base = s.getType() == Schema.Type.RECORD || s.getType() == Schema.Type.ENUM
                ? s.getType().getName() + " " + s.getName() : s.getType().getName();
        return s.getLogicalType() == null ? base : base + " (" + s.getLogicalType().getName() + ")";
    }
}

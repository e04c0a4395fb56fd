package dev.tessera.schemas;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/** Turns the JSON-pointer locations of Avro's compatibility report into dotted field names. */
final class SchemaLocations {
    private SchemaLocations() {
    }

    /**
     * The dotted path of the field {@code location} points into ({@code /fields/2/type/1/fields/0}
     * → {@code billing.country}), or null when it points at no field (the record itself).
     */
    static String fieldAt(Schema root, String location) {
        if (location == null || location.isEmpty() || location.equals("/")) {
            return null;
        }
        String[] parts = location.substring(1).split("/");
        List<String> path = new ArrayList<>();
        Schema s = root;
        try {
            for (int i = 0; i < parts.length; i++) {
                String p = parts[i].replace("~1", "/").replace("~0", "~");
                switch (p) {
                    case "fields" -> {
                        Schema.Field f = s.getFields().get(Integer.parseInt(parts[++i]));
                        path.add(f.name());
                        s = f.schema();
                    }
                    case "type", "name", "symbols", "size" -> { }
                    case "items" -> s = s.getElementType();
                    case "values" -> s = s.getValueType();
                    default -> {
                        if (s.getType() == Schema.Type.UNION && p.chars().allMatch(Character::isDigit)) {
                            s = s.getTypes().get(Integer.parseInt(p));
                        } else {
                            return path.isEmpty() ? null : String.join(".", path);
                        }
                    }
                }
            }
        } catch (RuntimeException e) { // a location this walk does not follow: name what it found
            return path.isEmpty() ? null : String.join(".", path);
        }
        return path.isEmpty() ? null : String.join(".", path);
    }
}

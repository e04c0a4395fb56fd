package dev.tessera.runtime.decode;

import dev.tessera.api.TesseraException;
import dev.tessera.core.event.FieldLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A layout field name read as a path: {@code billing.country} is field {@code country} of the
 * nested object (JSON) or record (Avro) {@code billing}. A dot always navigates; a JSON key that
 * itself contains a dot cannot be addressed (Avro names cannot contain dots at all). A layout may
 * not use one name both as a value and as a parent ({@code billing} and {@code billing.country}):
 * no event could satisfy both, so that is a definition error, reported when a decoder is built.
 */
record DottedName(String name, List<String> segments) {
    static DottedName parse(String name) {
        String[] parts = name.split("\\.", -1);
        for (String part : parts) {
            if (part.isEmpty()) {
                throw new TesseraException("layout field '" + name + "' has an empty path segment; write nested"
                        + " fields as parent.child (e.g. billing.country), without leading, trailing or double dots");
            }
        }
        return new DottedName(name, List.of(parts));
    }

    /** The layout's names in slot order, checked for empty segments and value/parent conflicts. */
    static List<DottedName> parseAll(FieldLayout layout) {
        Set<String> names = new HashSet<>(layout.names());
        List<DottedName> parsed = new ArrayList<>(names.size());
        for (String name : layout.names()) {
            DottedName dotted = parse(name);
            for (int i = 1; i < dotted.segments.size(); i++) {
                String parent = String.join(".", dotted.segments.subList(0, i));
                if (names.contains(parent)) {
                    throw new TesseraException("layout uses '" + parent + "' both as a value and as the parent of '"
                            + name + "'; a field is either a single value or an object (record) of fields: refer"
                            + " to one or the other in the definitions");
                }
            }
            parsed.add(dotted);
        }
        return parsed;
    }
}

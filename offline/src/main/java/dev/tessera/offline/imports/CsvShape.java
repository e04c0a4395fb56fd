package dev.tessera.offline.imports;

import dev.tessera.api.TesseraException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a CSV header's columns nest: a column named {@code billing.country} is field {@code country}
 * of the object {@code billing} (the dotted paths the definitions use), grouped with the other
 * {@code billing.*} columns where the first of them is. A name with an empty part ({@code a..b},
 * {@code .a}) is taken whole.
 */
final class CsvShape {
    /** Field name to a column index (Integer) or a nested shape (Map), in header order. */
    final Map<String, Object> root;

    private CsvShape(Map<String, Object> root) {
        this.root = root;
    }

    static CsvShape of(String file, List<String> columns) {
        Map<String, Object> root = new LinkedHashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            String name = columns.get(i);
            String[] parts = name.split("\\.", -1);
            boolean nested = parts.length > 1;
            for (String p : parts) {
                nested &= !p.isEmpty();
            }
            if (!nested) {
                parts = new String[] {name};
            }
            Map<String, Object> node = root;
            for (int d = 0; d < parts.length; d++) {
                Object there = node.get(parts[d]);
                if (d == parts.length - 1) {
                    if (there != null) {
                        throw clash(file, name, columns, there);
                    }
                    node.put(parts[d], i);
                } else {
                    if (there == null) {
                        there = new LinkedHashMap<String, Object>();
                        node.put(parts[d], there);
                    } else if (there instanceof Integer) {
                        throw clash(file, name, columns, there);
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, Object> next = (Map<String, Object>) there;
                    node = next;
                }
            }
        }
        return new CsvShape(root);
    }

    private static TesseraException clash(String file, String name, List<String> columns, Object there) {
        String other = there instanceof Integer i ? columns.get(i) : "other columns under it";
        return new TesseraException("CSV file " + file + " line 1: column '" + name + "' and " + (there instanceof Integer
                ? "column '" + other + "'" : other) + " would both be the same field (a dotted name is a field of an object);"
                + " rename one of them");
    }
}

package dev.tessera.offline.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.ClosestNames;
import dev.tessera.api.FeatureRef;
import dev.tessera.api.TesseraException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;

/**
 * A training set read into memory for fitting: per row the label, whether it is held out for
 * validation (by a hash of its entity key, so an entity never lands on both sides), and each feature's
 * value as serving would hand it over (number, boolean, list, string). XGBoost needs its data in memory
 * anyway; rows without a label are counted and left out.
 *
 * <p>A feature column is categorical (a string feature, encoded through a table, ADR 022) when Parquet
 * types it as a string, or when a CSV cell of it is text that is neither a number, a boolean nor a
 * JSON list. CSV loses types, so a string feature whose values all look like numbers reads as numbers
 * there: Parquet keeps them apart.
 */
final class TrainingTable {
    /** Percent of entities held out for validation. */
    static final int VALIDATION_PERCENT = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    final List<FeatureRef> features;
    final List<String> keyColumns;
    final boolean[] categorical;
    final List<Object[]> values = new ArrayList<>();
    final List<Boolean> labels = new ArrayList<>();
    final List<Boolean> validation = new ArrayList<>();
    long rowsWithoutLabel;

    private TrainingTable(List<FeatureRef> features, List<String> keyColumns) {
        this.features = features;
        this.keyColumns = keyColumns;
        this.categorical = new boolean[features.size()];
    }

    int rows() {
        return labels.size();
    }

    /**
     * Reads {@code file}.
     *
     * @param keyCandidates the entity key fields of the service's entities; those among the columns make the split key
     */
    static TrainingTable read(Path file, String service, List<FeatureRef> features, Collection<String> keyCandidates, String label)
            throws IOException {
        try (SpineReader in = SpineReader.open(file, "training set")) {
            List<String> columns = in.columns();
            int labelAt = columns.indexOf(label);
            if (labelAt < 0) {
                throw new TesseraException("training set " + file + " has no label column '" + label + "'; "
                        + ClosestNames.hint(label, columns.stream().filter(c -> !c.contains("__")).toList(), "its other columns"));
            }
            int[] featureAt = new int[features.size()];
            List<String> lacking = new ArrayList<>();
            for (int j = 0; j < featureAt.length; j++) {
                featureAt[j] = columns.indexOf(features.get(j).columnName());
                if (featureAt[j] < 0) {
                    lacking.add(features.get(j).columnName());
                }
            }
            if (!lacking.isEmpty()) {
                throw new TesseraException("training set " + file + " lacks " + lacking.size() + " feature column(s) of service "
                        + service + ": " + String.join(", ", lacking.subList(0, Math.min(5, lacking.size())))
                        + (lacking.size() > 5 ? ", ..." : "") + "; build it with tessera training-set --service " + service);
            }
            List<String> keys = keyCandidates.stream().filter(columns::contains).toList();
            if (keys.isEmpty()) {
                throw new TesseraException("training set " + file + " has none of the entity key columns of service " + service + " ("
                        + String.join(", ", keyCandidates) + "): the split into training and validation rows is by entity");
            }
            int[] keyAt = keys.stream().mapToInt(columns::indexOf).toArray();
            TrainingTable t = new TrainingTable(features, keys);
            boolean csv = !isParquet(file);
            for (int j = 0; j < featureAt.length; j++) {
                t.categorical[j] = !csv && holdsStrings(in.columnSchema(featureAt[j]));
            }
            Object[] row;
            while ((row = in.next()) != null) {
                Boolean y = label(row[labelAt], file, in.where(), label);
                if (y == null) {
                    t.rowsWithoutLabel++;
                    continue;
                }
                Object[] v = new Object[featureAt.length];
                for (int j = 0; j < v.length; j++) {
                    v[j] = row[featureAt[j]];
                    if (csv && !t.categorical[j] && fromCsv((String) v[j]) instanceof String) {
                        t.categorical[j] = true;
                    }
                }
                StringBuilder key = new StringBuilder();
                for (int k : keyAt) {
                    key.append(row[k] == null ? "" : row[k].toString()).append('\u0000');
                }
                t.values.add(v);
                t.labels.add(y);
                t.validation.add(heldOut(key.toString()));
            }
            // a categorical column keeps every value's text, as the encoder looks values up when serving
            for (int j = 0; j < featureAt.length; j++) {
                for (Object[] v : t.values) {
                    if (v[j] != null) {
                        v[j] = t.categorical[j] ? v[j].toString() : csv ? fromCsv((String) v[j]) : v[j];
                    }
                }
            }
            return t;
        }
    }

    private static boolean isParquet(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".parquet") || name.endsWith(".pq");
    }

    private static boolean holdsStrings(Schema s) {
        if (s.getType() == Schema.Type.UNION) {
            return s.getTypes().stream().anyMatch(b -> b.getType() == Schema.Type.STRING || b.getType() == Schema.Type.ENUM);
        }
        return s.getType() == Schema.Type.STRING || s.getType() == Schema.Type.ENUM;
    }

    /** Whether an entity's rows are held out: a hash of its key (FNV-1a, then a 64-bit finalizer) modulo 100. */
    static boolean heldOut(String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return Long.remainderUnsigned(h, 100) < VALIDATION_PERCENT;
    }

    /** A label: 1/0, true/false (any case), 1.0/0.0; null for an empty cell. */
    private static Boolean label(Object v, Path file, String where, String column) {
        if (v == null) {
            return null;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String s = v.toString().strip().toLowerCase(Locale.ROOT);
        switch (s) {
            case "" -> {
                return null;
            }
            case "1", "1.0", "true" -> {
                return true;
            }
            case "0", "0.0", "false" -> {
                return false;
            }
            default -> throw new TesseraException("training set " + file + " " + where + ": label column '" + column + "' holds '" + v
                    + "'; a label is 1 or 0 (true or false), or empty for an unknown label");
        }
    }

    /** A CSV cell as serving would hand the value over: number, boolean, list (JSON array), or text. */
    static Object fromCsv(String cell) {
        if (cell == null || cell.isEmpty()) {
            return null;
        }
        if (cell.equals("true") || cell.equals("false")) {
            return Boolean.valueOf(cell);
        }
        char c = cell.charAt(0);
        if ((c >= '0' && c <= '9') || c == '-' || c == '.') {
            try {
                return Long.parseLong(cell);
            } catch (NumberFormatException notLong) {
                try {
                    return Double.parseDouble(cell);
                } catch (NumberFormatException notNumber) {
                    return cell;
                }
            }
        }
        if (c == '[') {
            try {
                JsonNode list = JSON.readTree(cell);
                if (list.isArray()) {
                    List<Object> items = new ArrayList<>(list.size());
                    list.forEach(items::add);
                    return items;
                }
            } catch (IOException e) {
                return cell;
            }
        }
        return cell;
    }
}

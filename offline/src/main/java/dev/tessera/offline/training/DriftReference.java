package dev.tessera.offline.training;

import dev.tessera.api.TesseraException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The reference distributions for drift (SPEC §8) from a training set that {@code tessera
 * training-set} wrote (Parquet or CSV): each feature column, named {@code <group>__<feature>}, becomes
 * the reference of served feature {@code <group>.<feature>}. Other columns (keys, {@code ts}, labels)
 * are ignored. At most {@link #MAX_ROWS} rows are kept per column, a uniform sample (reservoir,
 * fixed seed) when the file has more, so a training set larger than memory works. CSV cells are
 * read as numbers when they are numbers; list columns (JSON arrays) are skipped by the drift tracker.
 */
public final class DriftReference {
    public static final int MAX_ROWS = 100_000;

    private DriftReference() {
    }

    /** Reference values by qualified feature name ({@code account_payments.amount_sum_1h}). */
    public static Map<String, List<Object>> read(Path file) {
        try (SpineReader in = SpineReader.open(file, "training set")) {
            List<String> columns = in.columns();
            Map<Integer, String> features = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                String c = columns.get(i);
                int sep = c.indexOf("__");
                if (sep > 0 && sep < c.length() - 2) {
                    features.put(i, c.substring(0, sep) + "." + c.substring(sep + 2));
                }
            }
            if (features.isEmpty()) {
                throw new TesseraException("drift reference " + file + " has no feature columns: expected columns named"
                        + " <group>__<feature> as tessera training-set writes them, found " + columns);
            }
            Map<String, List<Object>> out = new LinkedHashMap<>();
            features.values().forEach(f -> out.put(f, new ArrayList<>()));
            Random rnd = new Random(42);
            long rows = 0;
            Object[] row;
            while ((row = in.next()) != null) {
                rows++;
                int slot = rows <= MAX_ROWS ? -1 : (int) Math.floorMod(rnd.nextLong(), rows);
                if (rows > MAX_ROWS && slot >= MAX_ROWS) {
                    continue;
                }
                for (Map.Entry<Integer, String> e : features.entrySet()) {
                    Object v = value(row[e.getKey()]);
                    List<Object> list = out.get(e.getValue());
                    if (slot < 0) {
                        list.add(v);
                    } else {
                        list.set(slot, v);
                    }
                }
            }
            return out;
        } catch (IOException e) {
            throw new TesseraException("cannot read the drift reference " + file + ": " + e.getMessage(), e);
        }
    }

    private static Object value(Object v) {
        if (v instanceof Integer i) {
            return i.longValue();
        }
        if (v instanceof Float f) {
            return f.doubleValue();
        }
        if (v instanceof CharSequence cs) {
            String s = cs.toString();
            if (s.isEmpty()) {
                return null;
            }
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException notLong) {
                try {
                    double d = Double.parseDouble(s);
                    return Double.isFinite(d) ? d : null;
                } catch (NumberFormatException notNumber) {
                    return s.startsWith("[") ? List.of() : s;
                }
            }
        }
        if (v instanceof List<?> || v instanceof Long || v instanceof Double || v instanceof Boolean || v == null) {
            return v instanceof List<?> ? List.of() : v;
        }
        return v.toString();
    }
}

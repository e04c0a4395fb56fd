package dev.tessera.offline.imports;

import java.nio.file.Path;
import java.util.Locale;

/** The file formats {@code tessera import} reads. */
public enum ImportFormat {
    /** One JSON object per line ({@code .jsonl}, {@code .ndjson}, {@code .json}); gzip when the name ends in {@code .gz}. */
    JSONL,
    /** A header line naming the columns, then one record per line (RFC 4180 quoting); gzip when the name ends in {@code .gz}. */
    CSV,
    /** Apache Parquet ({@code .parquet}, {@code .pq}), any schema parquet-avro reads. */
    PARQUET;

    /** The format a file name says, or null when it says none. */
    public static ImportFormat of(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz")) {
            name = name.substring(0, name.length() - 3);
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
            return JSONL;
        }
        if (name.endsWith(".csv")) {
            return CSV;
        }
        if (name.endsWith(".parquet") || name.endsWith(".pq")) {
            return PARQUET;
        }
        return null;
    }

    /** The format named {@code text} ({@code jsonl}, {@code csv}, {@code parquet}), or null. */
    public static ImportFormat parse(String text) {
        for (ImportFormat f : values()) {
            if (f.name().equalsIgnoreCase(text)) {
                return f;
            }
        }
        return "ndjson".equalsIgnoreCase(text) || "json".equalsIgnoreCase(text) ? JSONL : null;
    }

    static boolean gzipped(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
    }
}

package dev.tessera.inference;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a registry file (the layout {@link RegistryLoader} reads; module README, "Registry files").
 * Strings are written double-quoted, so no value can change meaning as YAML.
 */
public final class RegistryFile {
    private RegistryFile() {
    }

    /** The file name {@code tessera train} gives a model version: {@code <name>_v<version>.yaml}. */
    public static String fileName(String name, int version) {
        return name + "_v" + version + ".yaml";
    }

    /** Writes {@code info} to {@code file} (replacing it), with {@code comment} lines on top. */
    public static void write(Path file, ModelInfo info, String comment) throws IOException {
        StringBuilder y = new StringBuilder();
        if (comment != null) {
            for (String line : comment.split("\n", -1)) {
                y.append("# ").append(line).append('\n');
            }
        }
        y.append("name: ").append(info.name()).append('\n');
        y.append("version: ").append(info.version()).append('\n');
        y.append("format: ").append(info.format().yamlName()).append('\n');
        y.append("service: ").append(info.service()).append('\n');
        y.append("artifact: ").append(quoted(info.artifact())).append('\n');
        y.append("owner: ").append(quoted(info.owner())).append('\n');
        y.append("description: ").append(quoted(info.description())).append('\n');
        if (info.threshold() != null) {
            y.append("threshold: ").append(number(info.threshold())).append('\n');
        }
        if (!info.categories().isEmpty()) {
            y.append("categories:\n");
            for (Map.Entry<String, Map<String, Double>> e : info.categories().entrySet()) {
                // a feature with no values in the training rows has an empty table: {} (a bare key reads as null)
                y.append("  ").append(e.getKey()).append(e.getValue().isEmpty() ? ": {}\n" : ":\n");
                for (Map.Entry<String, Double> v : e.getValue().entrySet()) {
                    y.append("    ").append(quoted(v.getKey())).append(": ").append(number(v.getValue())).append('\n');
                }
            }
        }
        if (!info.training().isEmpty()) {
            y.append("training:\n");
            for (Map.Entry<String, String> e : info.training().entrySet()) {
                y.append("  ").append(e.getKey()).append(": ").append(quoted(e.getValue())).append('\n');
            }
        }
        Files.writeString(file, y.toString(), StandardCharsets.UTF_8);
    }

    private static String number(double d) {
        return Double.toString(d).toLowerCase(Locale.ROOT);
    }

    static String quoted(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\t' -> q.append("\\t");
                default -> {
                    if (c < 0x20) {
                        q.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
                    } else {
                        q.append(c);
                    }
                }
            }
        }
        return q.append('"').toString();
    }
}

package dev.tessera.offline.imports;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The one policy for rows an import does not archive (STYLE: per-event failures go through one
 * policy): counted by reason, the first few of each reason kept as examples, and, when asked, every
 * one written to a JSON Lines file:
 * <pre>
 * {"file":"dump.csv","line":12,"reason":"bad_timestamp","message":"field 'event_time': ...","record":"p9,a1,,2026-13-01"}
 * {"file":"dump.parquet","row":7,"reason":"duplicate","message":"...","id":"p7"}
 * </pre>
 * {@code record} is the row as text (the JSON line, the CSV record as in the file, a Parquet row as
 * JSON), so the file can be fixed and imported again; duplicates carry their id instead.
 */
final class RejectLog implements Closeable {
    private final int examplesPerReason;
    private final Map<String, Long> counts = new TreeMap<>();
    private final List<Importer.Reject> examples = new ArrayList<>();
    private final Map<String, Integer> examplesOf = new LinkedHashMap<>();
    private final Writer out;
    private final JsonGenerator json;

    RejectLog(Path rejectsFile, int examplesPerReason) throws IOException {
        this.examplesPerReason = examplesPerReason;
        if (rejectsFile != null) {
            Path parent = rejectsFile.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            this.out = new BufferedWriter(Files.newBufferedWriter(rejectsFile, StandardCharsets.UTF_8), 1 << 16);
            this.json = PlainValues.JSON.createGenerator(out);
            json.setRootValueSeparator(null);
            json.disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM); // a line per reject, not a write to disk per reject
        } else {
            this.out = null;
            this.json = null;
        }
    }

    /** Whether rejected rows' text is wanted (only then is it worth computing). */
    boolean writesRecords() {
        return out != null;
    }

    /**
     * Counts one rejected row. {@code record} (its text) is asked for only when a rejects file is written;
     * {@code id} is for duplicates.
     */
    void reject(String file, String unit, long number, String reason, String message, Supplier<String> record, String id)
            throws IOException {
        counts.merge(reason, 1L, Long::sum);
        int shown = examplesOf.getOrDefault(reason, 0);
        if (shown < examplesPerReason) {
            examplesOf.put(reason, shown + 1);
            examples.add(new Importer.Reject(file, unit, number, reason, message));
        }
        if (json != null) {
            json.writeStartObject();
            json.writeStringField("file", file);
            json.writeNumberField(unit, number);
            json.writeStringField("reason", reason);
            json.writeStringField("message", message);
            if (id != null) {
                json.writeStringField("id", id);
            }
            String text = record == null ? null : record.get();
            if (text != null) {
                json.writeStringField("record", text);
            }
            json.writeEndObject();
            json.flush();
            out.write('\n');
        }
    }

    Map<String, Long> counts() {
        return Map.copyOf(counts);
    }

    List<Importer.Reject> examples() {
        return List.copyOf(examples);
    }

    long total() {
        long n = 0;
        for (long c : counts.values()) {
            n += c;
        }
        return n;
    }

    @Override
    public void close() throws IOException {
        if (json != null) {
            json.close();
        }
        if (out != null) {
            out.close();
        }
    }
}

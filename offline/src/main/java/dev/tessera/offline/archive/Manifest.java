package dev.tessera.offline.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One commit of one Kafka partition: every offset in {@code [firstOffset, lastOffset]} was read, and
 * the valid, non-duplicate ones are the rows of {@code files} (possibly none). Its JSON, written
 * atomically to {@code _manifests/p<partition>-<first>-<last>.json}, is the only thing that makes
 * those files part of the archive:
 * <pre>
 * {"format": 1, "source": "payments", "partition": 0, "first_offset": 1200, "last_offset": 1499,
 *  "max_event_time": 1764120000000, "committed_at": 1764120060000,
 *  "files": [{"path": "dt=2026-11-26/hour=01/p0-1200-1499.parquet", "rows": 297,
 *             "min_event_time": 1764118800000, "max_event_time": 1764120000000}]}
 * </pre>
 *
 * @param maxEventTime the greatest event time archived from this partition up to {@code lastOffset}
 *                     (this commit and all before it), {@link Long#MIN_VALUE} while there is none;
 *                     the dedup state is rebuilt from it
 * @param files        paths relative to the source folder, with '/' separators
 */
record Manifest(String source, int partition, long firstOffset, long lastOffset, long maxEventTime, long committedAt,
                List<FileEntry> files) {
    static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A committed data file: rows and the range of their event times. */
    record FileEntry(String path, long rows, long minEventTime, long maxEventTime) {}

    long rows() {
        long n = 0;
        for (FileEntry f : files) {
            n += f.rows();
        }
        return n;
    }

    byte[] toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("source", source);
        o.put("partition", partition);
        o.put("first_offset", firstOffset);
        o.put("last_offset", lastOffset);
        if (maxEventTime == Long.MIN_VALUE) {
            o.putNull("max_event_time");
        } else {
            o.put("max_event_time", maxEventTime);
        }
        o.put("committed_at", committedAt);
        ArrayNode a = o.putArray("files");
        for (FileEntry f : files) {
            a.addObject().put("path", f.path()).put("rows", f.rows()).put("min_event_time", f.minEventTime())
                    .put("max_event_time", f.maxEventTime());
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses a manifest's JSON.
     *
     * @throws IllegalArgumentException saying what is missing or wrong
     */
    static Manifest fromJson(byte[] bytes) {
        JsonNode o;
        try {
            o = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                    ? j.getOriginalMessage() : e.getMessage()));
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        int format = (int) number(o, "format");
        if (format != FORMAT) {
            throw new IllegalArgumentException("format " + format + " is not one this version reads (" + FORMAT
                    + "); use the Tessera version that wrote it");
        }
        JsonNode source = o.get("source");
        if (source == null || !source.isTextual()) {
            throw new IllegalArgumentException("no \"source\"");
        }
        JsonNode max = o.get("max_event_time");
        JsonNode files = o.get("files");
        if (files == null || !files.isArray()) {
            throw new IllegalArgumentException("no \"files\" array");
        }
        List<FileEntry> entries = new ArrayList<>();
        for (JsonNode f : files) {
            JsonNode path = f.get("path");
            if (path == null || !path.isTextual() || path.asText().contains("..") || path.asText().startsWith("/")) {
                throw new IllegalArgumentException("a file has no relative \"path\": " + f);
            }
            entries.add(new FileEntry(path.asText(), number(f, "rows"), number(f, "min_event_time"), number(f, "max_event_time")));
        }
        long first = number(o, "first_offset");
        long last = number(o, "last_offset");
        if (last < first) {
            throw new IllegalArgumentException("last_offset " + last + " is before first_offset " + first);
        }
        return new Manifest(source.asText(), (int) number(o, "partition"), first, last,
                max == null || max.isNull() ? Long.MIN_VALUE : max.asLong(), number(o, "committed_at"), List.copyOf(entries));
    }

    private static long number(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.canConvertToLong() || !n.isIntegralNumber()) {
            throw new IllegalArgumentException("\"" + field + "\" is missing or not a whole number");
        }
        return n.asLong();
    }
}

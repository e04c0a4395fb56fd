package dev.tessera.runtime;

import dev.tessera.core.quality.ValueExpectation;
import dev.tessera.store.TileStore;
import dev.tessera.store.TileStore.Space;
import dev.tessera.store.WriteSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one writer of a source counted since it started, when that writer is not the embedded runtime
 * (whose counters are committed with its state): a Flink job's operator subtask. Each publishes its
 * cumulative counts under its own PROGRESS key ({@code counts/<source>/<writer>}), so stateless serving
 * nodes can show and alert on them as a node running the runtime does (ADR 030).
 *
 * @param incarnation random per start of the writer: a new one means its counts started again from zero
 * @param outcomes    counts by outcome code ({@link SourceCounters.Outcome}: {@code in}, {@code accepted}, ...)
 * @param rules       by source field, the cumulative counts of its {@code expect:} rule's check
 * @param fieldEvents  decoded events whose fields the writer looked at ({@link FieldPresence}); 0 when it did not
 * @param fieldsPresent by field the features read, how many of those events carried it
 */
public record WriterCounts(long incarnation, Map<String, Long> outcomes, Map<String, ValueExpectation.Snapshot> rules,
        long fieldEvents, Map<String, Long> fieldsPresent) {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WriterCounts.class);

    public WriterCounts {
        outcomes = Map.copyOf(outcomes);
        rules = Map.copyOf(rules);
        fieldsPresent = Map.copyOf(fieldsPresent);
    }

    /** Counts without field presence (a writer that does not decode events). */
    public WriterCounts(long incarnation, Map<String, Long> outcomes, Map<String, ValueExpectation.Snapshot> rules) {
        this(incarnation, outcomes, rules, 0, Map.of());
    }

    /** Adds the write of {@code counts} as writer {@code writer} of {@code source} to {@code ws}. */
    public static void put(WriteSet ws, String source, String writer, WriterCounts counts) {
        ws.put(Space.PROGRESS, RuntimeStateCodec.writerCountsKey(source, writer), RuntimeStateCodec.encodeWriterCounts(counts));
    }

    /** Every writer's last published counts for {@code source}, by writer. */
    public static Map<String, WriterCounts> read(TileStore store, String source) {
        byte[] prefix = RuntimeStateCodec.writerCountsPrefix(source);
        Map<String, WriterCounts> out = new LinkedHashMap<>();
        store.scan(Space.PROGRESS, prefix, (key, value) -> {
            String writer = new String(key, prefix.length, key.length - prefix.length, java.nio.charset.StandardCharsets.UTF_8);
            try {
                out.put(writer, RuntimeStateCodec.decodeWriterCounts(value));
            } catch (RuntimeException e) { // one unreadable record (a newer writer's format) must not hide the others
                LOG.warn("skipping the counts of writer '{}' of source '{}': {}", writer, source, e.getMessage());
            }
        });
        return out;
    }
}

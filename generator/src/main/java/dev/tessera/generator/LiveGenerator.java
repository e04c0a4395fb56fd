package dev.tessera.generator;

import dev.tessera.api.TesseraException;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.producer.Producer;

/**
 * The commerce world in real time, for the demo: events are stamped with the wall clock and
 * delivered at the configured events per second of wall-clock time, on a daemon thread, until
 * {@link LiveGeneration#close()} (or the configured count or duration).
 *
 * <pre>{@code
 * Map<String, String> topics = ...; // source name -> topic, e.g. from the definitions
 * try (LiveGeneration live = LiveGenerator.start(GeneratorConfig.liveBuilder().build(), broker.bootstrapServers(), topics)) {
 *     ActiveKeys keys = live.activeKeys(3);
 *     ...
 * }
 * }</pre>
 *
 * Use {@link GeneratorConfig#liveBuilder()}: its chargebacks arrive minutes, not days, after their
 * payment. The configured start is ignored (the run starts now), so a live run is not reproducible
 * byte for byte; its world is the seed's world all the same.
 */
public final class LiveGenerator {
    private LiveGenerator() {
    }

    /** Starts delivering to {@code sink}; closing the generation closes the sink. */
    public static LiveGeneration start(GeneratorConfig config, RecordSink sink) {
        return LiveRun.start(config, sink, System::currentTimeMillis);
    }

    /**
     * Starts producing through the caller's producer (flushed on close, not closed).
     *
     * @param topicsBySource topic per source name; every source of the configuration needs one
     */
    public static LiveGeneration start(GeneratorConfig config, Producer<byte[], byte[]> producer,
            Map<String, String> topicsBySource) {
        requireTopics(config, topicsBySource);
        return start(config, new KafkaRecordSink(producer, topicsBySource));
    }

    /**
     * Starts producing to {@code bootstrapServers} with an idempotent producer of its own, after
     * checking that the topics exist.
     *
     * @param topicsBySource topic per source name; every source of the configuration needs one
     */
    public static LiveGeneration start(GeneratorConfig config, String bootstrapServers, Map<String, String> topicsBySource) {
        requireTopics(config, topicsBySource);
        return start(config, KafkaRecordSink.open(bootstrapServers, topicsBySource));
    }

    private static void requireTopics(GeneratorConfig config, Map<String, String> topicsBySource) {
        TreeSet<String> missing = new TreeSet<>();
        for (CommerceSource s : config.sources()) {
            if (topicsBySource.get(s.sourceName()) == null) {
                missing.add(s.sourceName());
            }
        }
        if (!missing.isEmpty()) {
            throw new TesseraException("no topic for source" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing)
                    + "; give a topic for each generated source, or restrict the configuration's sources to "
                    + new TreeSet<>(topicsBySource.keySet()));
        }
    }
}

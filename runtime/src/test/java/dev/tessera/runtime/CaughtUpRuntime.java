package dev.tessera.runtime;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.InMemoryTileStore;
import dev.tessera.store.TileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A runtime over one source's topic on a real broker, caught up with the records a test produced: the
 * set-up of the tests that compare what the runtime counted or computed with a naive count of those
 * records.
 */
final class CaughtUpRuntime {
    @FunctionalInterface
    interface Check {
        void check(StreamRuntime rt) throws Exception;
    }

    private CaughtUpRuntime() {}

    /**
     * An account entity, a JSON source {@code payments} on {@code topic} (timestamp event_time, id payment_id,
     * then {@code sourceLines}: YAML lines of the source such as {@code expect:} or {@code fields:}, or "") and
     * group {@code account_payments} with {@code features} (YAML list items).
     */
    static String paymentsDefinitions(String topic, String sourceLines, String features) {
        return """
                kind: Entity
                name: account
                keys: [account_id]
                ---
                kind: Source
                name: payments
                kafka: { topic: %s }
                timestamp: event_time
                id: payment_id
                %s---
                kind: FeatureGroup
                name: account_payments
                source: payments
                entity: account
                features:
                """.formatted(topic, sourceLines) + features;
    }

    /**
     * Writes {@code definitions} into {@code tmp/features}, starts a broker in {@code tmp/kafka} with
     * {@code topic} (two partitions) and its dead-letter topic, produces {@code records} there ({@link
     * TopicContents#produce}), runs the runtime over an in-memory store until it has caught up, and
     * hands it to {@code check}.
     */
    static void check(Path tmp, String definitions, String topic, List<String> records, Check check) throws Exception {
        Path defsDir = Files.createDirectories(tmp.resolve("features"));
        Files.writeString(defsDir.resolve("definitions.yaml"), definitions);
        Definitions defs = DefinitionLoader.load(defsDir);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            kafka.createTopics(Map.of(topic, 2, topic + ".dlq", 1));
            TopicContents.produce(kafka.bootstrapServers(), topic, records);
            try (TileStore store = new InMemoryTileStore();
                 StreamRuntime rt = StreamRuntime.start(defs, defsDir, store, RuntimeConfig.defaults(kafka.bootstrapServers()))) {
                rt.awaitCaughtUp(Duration.ofSeconds(60));
                check.check(rt);
            }
        }
    }
}

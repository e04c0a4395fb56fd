package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.TesseraException;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.InMemoryTileStore;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Missing topics are found at start, with the name and the fix, not when the first bad event arrives. */
class MissingTopicsTest {
    @TempDir
    Path tmp;

    @Test
    void aMissingSourceOrDeadLetterTopicStopsTheStartWithAHint() throws Exception {
        Path defsDir = PaymentsWorld.writeDefinitions(tmp.resolve("features"));
        Definitions defs = DefinitionLoader.load(defsDir);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"));
             InMemoryTileStore store = new InMemoryTileStore()) {
            RuntimeConfig config = RuntimeConfig.defaults(kafka.bootstrapServers());
            assertThatThrownBy(() -> StreamRuntime.start(defs, defsDir, store, config))
                    .isInstanceOf(TesseraException.class)
                    .hasMessageContaining("topic 'test.payments' of source 'payments' does not exist");
            kafka.createTopics(Map.of(PaymentsWorld.TOPIC, 1));
            assertThatThrownBy(() -> StreamRuntime.start(defs, defsDir, store, config))
                    .isInstanceOf(TesseraException.class)
                    .hasMessageContaining("dead-letter topic 'test.payments.dlq'").hasMessageContaining("create it");
            kafka.createTopics(Map.of(PaymentsWorld.TOPIC + ".dlq", 1));
            StreamRuntime.start(defs, defsDir, store, config).close();
        }
    }
}

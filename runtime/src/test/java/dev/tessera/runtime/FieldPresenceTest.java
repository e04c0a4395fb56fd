package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How many events carried each field the features read, on the real broker, against a naive count of
 * what was produced: absent and JSON null both count as missing, malformed records are not counted,
 * and a misspelt field ({@code merchnat_id}) is present in none, with the features that read it.
 */
class FieldPresenceTest {
    static final String DEFINITIONS = """
            kind: Entity
            name: account
            keys: [account_id]
            ---
            kind: Source
            name: payments
            kafka: { topic: presence.payments }
            timestamp: event_time
            id: payment_id
            ---
            kind: FeatureGroup
            name: account_payments
            source: payments
            entity: account
            features:
              - { name: payment_count, agg: count, windows: [1d] }
              - { name: amount_sum, agg: sum, of: amount, windows: [1d] }
              - { name: declined, agg: count, where: "status == 'DECLINED' and amount > 0", windows: [1d] }
              - { name: merchants, agg: approx_distinct, of: merchnat_id, windows: [1d] }
            """;

    @TempDir
    Path tmp;

    @Test
    void presenceEqualsANaiveCountOfTheProducedEvents() throws Exception {
        Path defsDir = tmp.resolve("features");
        Files.createDirectories(defsDir);
        Files.writeString(defsDir.resolve("payments.yaml"), DEFINITIONS);
        Definitions defs = DefinitionLoader.load(defsDir);
        Random rnd = new Random(11);
        long now = System.currentTimeMillis();
        long wellFormed = 0;
        long withAmount = 0;
        long withStatus = 0;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"))) {
            kafka.createTopics(Map.of("presence.payments", 2, "presence.payments.dlq", 1));
            List<String> records = new java.util.ArrayList<>();
            for (int i = 0; i < 600; i++) {
                String json;
                if (rnd.nextInt(30) == 0) {
                    json = "{\"payment_id\": \"p" + i + "\", \"amount\": 3"; // truncated: malformed, not counted
                } else {
                    wellFormed++;
                    String amount = switch (rnd.nextInt(5)) {
                        case 0 -> "";
                        case 1 -> ", \"amount\": null";
                        default -> ", \"amount\": " + rnd.nextInt(100);
                    };
                    withAmount += amount.isEmpty() || amount.endsWith("null") ? 0 : 1;
                    boolean status = rnd.nextInt(4) != 0;
                    withStatus += status ? 1 : 0;
                    json = "{\"payment_id\": \"p" + i + "\", \"event_time\": " + (now - 60_000 + i) + ", \"account_id\": \"a"
                            + rnd.nextInt(7) + "\"" + amount + (status ? ", \"status\": \"DECLINED\"" : "")
                            + ", \"merchant_id\": \"m" + rnd.nextInt(3) + "\"}";
                }
                records.add(json);
            }
            TopicContents.produce(kafka.bootstrapServers(), "presence.payments", records);
            try (TileStore store = new InMemoryTileStore();
                 StreamRuntime rt = StreamRuntime.start(defs, defsDir, store, RuntimeConfig.defaults(kafka.bootstrapServers()))) {
                rt.awaitCaughtUp(Duration.ofSeconds(60));
                Map<String, SourceDiagnostics.Field> byField = rt.diagnostics("payments").fields().stream()
                        .collect(Collectors.toMap(SourceDiagnostics.Field::field, Function.identity()));
                assertThat(byField.keySet()).containsExactlyInAnyOrder("amount", "status", "merchnat_id");
                for (SourceDiagnostics.Field f : byField.values()) {
                    assertThat(f.events()).as(f.field()).isEqualTo(wellFormed);
                }
                assertThat(byField.get("amount").present()).isEqualTo(withAmount).isLessThan(wellFormed);
                assertThat(byField.get("amount").readBy()).containsExactly("of account_payments.amount_sum",
                        "where of account_payments.declined");
                assertThat(byField.get("status").present()).isEqualTo(withStatus).isLessThan(wellFormed);
                assertThat(byField.get("merchnat_id").present()).isZero();
                assertThat(byField.get("merchnat_id").readBy()).isEqualTo(List.of("of account_payments.merchants"));
            }
        }
    }
}

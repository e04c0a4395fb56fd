package dev.tessera.flink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's input half on a MiniCluster and the real in-process broker: every valid payment reaches
 * each group it can key, once, with its fields intact; every bad record reaches
 * {@code commerce.payments.dlq} with the reason the embedded runtime gives, its bytes and its origin.
 * The oracle is how the test built each record.
 */
class SourceSideTest {
    @TempDir
    static Path dir;
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        Map<String, Integer> topics = new HashMap<>();
        for (String t : List.of("commerce.payments", "commerce.logins", "commerce.signups", "commerce.chargebacks")) {
            topics.put(t, 4);
            topics.put(t + ".dlq", 1);
        }
        kafka.createTopics(topics);
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void validEventsFanOutToTheirGroupsAndBadOnesAreDeadLetteredWithTheRuntimesReasons() throws Exception {
        long now = System.currentTimeMillis();
        Map<String, String> expectedReasonByPayload = new TreeMap<>();
        Map<String, Integer> expectedEventsByGroup = new TreeMap<>();
        List<String> payloads = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            String account = "a-" + (i % 37);
            String card = "c-" + (i % 11);
            String payload;
            String reason = null;
            switch (i % 10) {
                case 3 -> {
                    payload = "{\"payment_id\":\"p" + i + "\",\"account_id\":"; // truncated JSON
                    reason = "malformed";
                }
                case 5 -> {
                    payload = String.format("{\"payment_id\":\"p%d\",\"account_id\":\"%s\",\"amount\":1.0,\"event_time\":\"yesterday\"}", i, account);
                    reason = "bad_timestamp";
                }
                case 7 -> {
                    payload = String.format("{\"payment_id\":\"p%d\",\"amount\":1.0,\"event_time\":%d}", i, now - 1000);
                    reason = "missing_key";
                }
                case 9 -> {
                    payload = String.format("{\"payment_id\":\"p%d\",\"account_id\":\"%s\",\"amount\":1.0,\"event_time\":%d}", i, account,
                            now + Duration.ofHours(2).toMillis());
                    reason = "future";
                }
                default -> {
                    boolean withCard = i % 2 == 0;
                    payload = String.format("{\"payment_id\":\"p%d\",\"account_id\":\"%s\",%s\"amount\":%d.25,\"status\":\"APPROVED\",\"event_time\":%d}",
                            i, account, withCard ? "\"card_fingerprint\":\"" + card + "\"," : "", i, now - 60_000L * (i % 50));
                    expectedEventsByGroup.merge("account_payments", 1, Integer::sum);
                    if (withCard) {
                        expectedEventsByGroup.merge("card_payments", 1, Integer::sum);
                    }
                }
            }
            payloads.add(payload);
            if (reason != null) {
                expectedReasonByPayload.put(payload, reason);
            }
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(FlinkTests.producerProps(kafka))) {
            for (int i = 0; i < payloads.size(); i++) {
                producer.send(new ProducerRecord<>("commerce.payments", ("k" + i).getBytes(StandardCharsets.UTF_8),
                        payloads.get(i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }

        StreamExecutionEnvironment env = FlinkTests.miniCluster(dir, 2);
        DefinitionBundle bundle = DefinitionBundle.of(FlinkTests.EXAMPLES);
        Definitions defs = bundle.definitions();
        List<FeatureGroup> groups = FanOut.jobGroups(defs);
        Map<String, Integer> seenByGroup = new TreeMap<>();
        Map<String, Integer> seenIds = new HashMap<>();
        try (CloseableIterator<KeyedEvent> it = SourceSide.build(env, bundle, kafka.bootstrapServers(), "tessera-flink-test",
                true, SourceSide.DEFAULT_WATERMARK_GRANULARITY_MILLIS).executeAndCollect("source-side-test")) {
            it.forEachRemaining(k -> {
                String group = groups.get(k.group).name();
                seenByGroup.merge(group, 1, Integer::sum);
                seenIds.merge(group + "/" + k.id, 1, Integer::sum);
                String payload = payloads.get(Integer.parseInt(k.id.substring(1)));
                String keyField = group.equals("card_payments") ? "card_fingerprint" : "account_id";
                assertThat(payload).as("event %s keyed for %s", k.id, group).contains("\"" + keyField + "\":\"" + k.entity + "\"");
                assertThat(FieldCodec.decode(k.fields).get(0)).isNotNull();
            });
        }
        assertThat(seenByGroup).isEqualTo(expectedEventsByGroup);
        assertThat(seenIds.values()).as("each event once per group").containsOnly(1);

        Map<String, String> deadLetters = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(FlinkTests.consumerProps(kafka, "dlq-check"))) {
            consumer.subscribe(List.of("commerce.payments.dlq"));
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (deadLetters.size() < expectedReasonByPayload.size() && System.nanoTime() < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String payload = new String(r.value(), StandardCharsets.UTF_8);
                    deadLetters.put(payload, header(r, "tessera.reason"));
                    assertThat(header(r, "tessera.topic")).isEqualTo("commerce.payments");
                    assertThat(header(r, "tessera.message")).isNotBlank();
                    assertThat(Integer.parseInt(header(r, "tessera.partition"))).isBetween(0, 3);
                }
            }
        }
        assertThat(deadLetters).isEqualTo(expectedReasonByPayload);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

}

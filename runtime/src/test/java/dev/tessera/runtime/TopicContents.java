package dev.tessera.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the payments topic of {@link PaymentsWorld} holds, read back from the broker: the oracle of the
 * outcome counters when the producer's retries may have written a record more than once.
 *
 * @param records    every record
 * @param goodCopies records carrying a payment (each copy of a payment beyond its first is a duplicate)
 * @param goodIds    the distinct payment ids
 * @param malformed  records that are not JSON ({@link PaymentsWorld#withResendsAndGarbage})
 */
record TopicContents(long records, long goodCopies, Set<String> goodIds, long malformed) {

    static TopicContents of(String bootstrapServers) {
        long[] counts = new long[3];
        Set<String> ids = new HashSet<>();
        forEachRecord(bootstrapServers, PaymentsWorld.TOPIC, r -> {
            counts[0]++;
            if (new String(r.value(), StandardCharsets.UTF_8).startsWith(PaymentsWorld.GARBAGE)) {
                counts[2]++;
                return;
            }
            counts[1]++;
            try {
                ids.add(PaymentsWorld.JSON.readTree(r.value()).get("payment_id").asText());
            } catch (IOException e) {
                throw new IllegalStateException("unreadable payment at offset " + r.offset() + " of partition " + r.partition(), e);
            }
        });
        return new TopicContents(counts[0], counts[1], ids, counts[2]);
    }

    /** Records in {@code topic} now. */
    /** Produces {@code values} (UTF-8) to {@code topic}, keyed k0, k1, ... (so they spread over its partitions), and flushes. */
    static void produce(String bootstrapServers, String topic, List<String> values) {
        Properties p = new Properties();
        p.put(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer = new org.apache.kafka.clients.producer.KafkaProducer<>(
                p, new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (int i = 0; i < values.size(); i++) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, ("k" + i).getBytes(StandardCharsets.UTF_8),
                        values.get(i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    static long count(String bootstrapServers, String topic) {
        long[] n = {0};
        forEachRecord(bootstrapServers, topic, r -> n[0]++);
        return n[0];
    }

    /** Reads every committed record of {@code topic}, from the beginning to the end offsets at the call. */
    private static void forEachRecord(String bootstrapServers, String topic, Consumer<ConsumerRecord<byte[], byte[]>> visitor) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo info : c.partitionsFor(topic)) {
                tps.add(new TopicPartition(topic, info.partition()));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = c.endOffsets(tps);
            while (tps.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(visitor);
            }
        }
    }
}

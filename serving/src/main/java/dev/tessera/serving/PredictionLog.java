package dev.tessera.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where scored requests are logged (SPEC §7), for evaluation and the next training set: one JSON
 * record per model scored (the answer and each shadow), keyed by unit id:
 * <pre>
 * {"prediction_id", "request_id", "time", "as_of", "unit_id", "entity": {...}, "model", "version", "variant", "experiment",
 *  "shadow": false, "score", "features": {"group.feature": value, ...}}
 * </pre>
 * {@code as_of} is the read time the features are exact for (the score answer's {@code as_of}), which
 * {@code tessera consistency --predictions} recomputes them at; when a group's read time differs (an
 * entity with events at or after the read) the record also has {@code "as_of_groups": {"group": time}}.
 * Sent asynchronously: a Kafka outage never fails or slows a score; records that could not be sent
 * are counted ({@link #failed}).
 */
public interface PredictionLog extends AutoCloseable {
    /** The default topic. */
    String TOPIC = "tessera.predictions";

    PredictionLog NONE = p -> { };

    /** One scored model for one request. */
    record Prediction(String requestId, long time, String unitId, Map<String, String> entity, String model, int version,
                      String variant, String experiment, boolean shadow, double score, List<String> featureNames,
                      List<Object> featureValues, long asOf, Map<String, Long> groupAsOf) {
    }

    void log(Prediction p);

    default long sent() {
        return 0;
    }

    default long failed() {
        return 0;
    }

    @Override
    default void close() {
    }

    /**
     * A producer for the log: batches for 20 ms, and never blocks a score longer than 200 ms waiting
     * for Kafka's metadata or buffer space (the record is counted as failed instead).
     */
    static org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        java.util.Properties p = new java.util.Properties();
        p.put(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(org.apache.kafka.clients.producer.ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(org.apache.kafka.clients.producer.ProducerConfig.MAX_BLOCK_MS_CONFIG, 200);
        p.put(org.apache.kafka.clients.producer.ProducerConfig.CLIENT_ID_CONFIG, "tessera-predictions");
        return new org.apache.kafka.clients.producer.KafkaProducer<>(p, new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
    }

    static PredictionLog kafka(Producer<byte[], byte[]> producer, String topic) {
        return new Kafka(producer, topic);
    }

    final class Kafka implements PredictionLog {
        private static final Logger LOG = LoggerFactory.getLogger(Kafka.class);
        private final Producer<byte[], byte[]> producer;
        private final String topic;
        private final ObjectMapper json = new ObjectMapper();
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();

        Kafka(Producer<byte[], byte[]> producer, String topic) {
            this.producer = producer;
            this.topic = topic;
        }

        @Override
        public void log(Prediction p) {
            ObjectNode r = json.createObjectNode();
            r.put("prediction_id", p.requestId() + ":" + p.model() + ":v" + p.version()); // a shadow shares the request id
            r.put("request_id", p.requestId());
            r.put("time", p.time());
            r.put("as_of", p.asOf());
            if (p.groupAsOf().values().stream().anyMatch(t -> t != p.asOf())) {
                ObjectNode groups = r.putObject("as_of_groups");
                p.groupAsOf().forEach(groups::put);
            }
            r.put("unit_id", p.unitId());
            ObjectNode entity = r.putObject("entity");
            p.entity().forEach(entity::put);
            r.put("model", p.model());
            r.put("version", p.version());
            r.put("variant", p.variant());
            if (p.experiment() == null) {
                r.putNull("experiment");
            } else {
                r.put("experiment", p.experiment());
            }
            r.put("shadow", p.shadow());
            r.put("score", p.score());
            ObjectNode features = r.putObject("features");
            for (int i = 0; i < p.featureNames().size(); i++) {
                features.set(p.featureNames().get(i), json.valueToTree(p.featureValues().get(i)));
            }
            byte[] value;
            try {
                value = json.writeValueAsBytes(r);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                failed.incrementAndGet();
                return;
            }
            try {
                producer.send(new ProducerRecord<>(topic, p.unitId().getBytes(StandardCharsets.UTF_8), value), (md, err) -> {
                    if (err == null) {
                        sent.incrementAndGet();
                    } else if (failed.incrementAndGet() == 1 || failed.get() % 1000 == 0) {
                        LOG.warn("could not log predictions to {} ({} so far): {}", topic, failed.get(), err.toString());
                    }
                });
            } catch (RuntimeException e) {
                failed.incrementAndGet();
            }
        }

        @Override
        public long sent() {
            return sent.get();
        }

        @Override
        public long failed() {
            return failed.get();
        }
    }
}

package dev.tessera.runtime;

import dev.tessera.api.TesseraException;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Dead letters to {@code <topic>.dlq}, in the format of {@link DeadLetterRecords}.
 */
final class KafkaDeadLetterSink implements DeadLetterSink {
    static final String SUFFIX = DeadLetterRecords.SUFFIX;

    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    KafkaDeadLetterSink(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "tessera-dlq");
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public void send(String topic, int partition, long offset, byte[] key, byte[] value, String reason, String message) {
        producer.send(DeadLetterRecords.of(topic, partition, offset, key, value, reason, message), (md, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
    }

    @Override
    public void flush() {
        producer.flush();
        Exception e = failure.getAndSet(null);
        if (e != null) {
            throw new TesseraException("could not write dead letters: " + e.getMessage()
                    + " (does the dead-letter topic exist? create <topic>.dlq)", e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}

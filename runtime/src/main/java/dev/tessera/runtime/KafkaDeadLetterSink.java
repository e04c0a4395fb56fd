package dev.tessera.runtime;

import dev.tessera.api.TesseraException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Dead letters to {@code <topic>.dlq}: key and value as received, headers {@code tessera.reason},
 * {@code tessera.message}, {@code tessera.topic}, {@code tessera.partition}, {@code tessera.offset}.
 */
final class KafkaDeadLetterSink implements DeadLetterSink {
    static final String SUFFIX = ".dlq";

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
        RecordHeaders h = new RecordHeaders();
        h.add("tessera.reason", utf8(reason));
        h.add("tessera.message", utf8(message.length() > 2000 ? message.substring(0, 2000) : message));
        h.add("tessera.topic", utf8(topic));
        h.add("tessera.partition", utf8(Integer.toString(partition)));
        h.add("tessera.offset", utf8(Long.toString(offset)));
        producer.send(new ProducerRecord<>(topic + SUFFIX, null, null, key, value, h), (md, e) -> {
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

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

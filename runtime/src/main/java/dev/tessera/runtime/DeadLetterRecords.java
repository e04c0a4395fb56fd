package dev.tessera.runtime;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The dead-letter record format, one owner for every engine (the embedded runtime, the Flink
 * runner): to {@code <topic>.dlq}, key and value as received, headers {@code tessera.reason},
 * {@code tessera.message} (at most 2,000 characters), {@code tessera.topic},
 * {@code tessera.partition} and {@code tessera.offset}.
 */
public final class DeadLetterRecords {
    /** Appended to a source topic's name to name its dead-letter topic. */
    public static final String SUFFIX = ".dlq";

    private DeadLetterRecords() {}

    public static ProducerRecord<byte[], byte[]> of(String topic, int partition, long offset, byte[] key, byte[] value,
                                                    String reason, String message) {
        RecordHeaders h = new RecordHeaders();
        h.add("tessera.reason", utf8(reason));
        h.add("tessera.message", utf8(message.length() > 2000 ? message.substring(0, 2000) : message));
        h.add("tessera.topic", utf8(topic));
        h.add("tessera.partition", utf8(Integer.toString(partition)));
        h.add("tessera.offset", utf8(Long.toString(offset)));
        return new ProducerRecord<>(topic + SUFFIX, null, null, key, value, h);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

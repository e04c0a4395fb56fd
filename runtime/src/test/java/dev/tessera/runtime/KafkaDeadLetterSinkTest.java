package dev.tessera.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.TesseraException;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dead letters through broker outages, on a real in-process broker stopped and restarted, with the
 * producer's delivery timeout shortened to 3 s so an outage longer than it takes seconds, not minutes.
 */
@Tag("reliability")
class KafkaDeadLetterSinkTest {
    private static final int DELIVERY_TIMEOUT_MS = 3_000;

    @TempDir
    Path tmp;

    /**
     * A dead letter sent as the broker goes, which stays away longer than the producer's delivery timeout:
     * the producer gives up on it, but the flush (which the commit waits for) keeps it and sends it again
     * until the broker is back. Before, the flush failed once the timeout passed, and the runtime stopped.
     */
    @Test
    void aDeadLetterThroughAnOutageLongerThanTheDeliveryTimeoutIsWrittenWhenTheBrokerIsBack() throws Exception {
        Path logDir = tmp.resolve("kafka");
        int port = freePort();
        EmbeddedKafka kafka = EmbeddedKafka.start(logDir, port);
        try {
            kafka.createTopics(Map.of("pay", 1, "pay.dlq", 1));
            try (KafkaDeadLetterSink sink = new KafkaDeadLetterSink(kafka.bootstrapServers(), shortTimeouts())) {
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread flusher = flushThroughAnOutage(sink, kafka, failure);
                Thread.sleep(3L * DELIVERY_TIMEOUT_MS); // the producer gives the record up at least twice meanwhile
                assertThat(failure.get()).as("the flush during an outage longer than the delivery timeout").isNull();
                kafka = EmbeddedKafka.start(logDir, port);
                flusher.join(120_000);
                assertThat(flusher.isAlive()).as("the flush once the broker is back").isFalse();
                assertThat(failure.get()).as("the flush once the broker is back").isNull();
            }
            // at least once: each dead letter is there, nothing else is (a resend may repeat one)
            assertThat(offsetsIn(kafka, "pay.dlq")).contains("1", "2").allMatch(o -> o.equals("1") || o.equals("2"));
        } finally {
            kafka.close();
        }
    }

    /** Stopping the runtime ends a flush waiting for the broker: it fails (no commit), it does not hang. */
    @Test
    void closingEndsAFlushThatWaitsForTheBroker() throws Exception {
        Path logDir = tmp.resolve("kafka");
        EmbeddedKafka kafka = EmbeddedKafka.start(logDir, freePort());
        kafka.createTopics(Map.of("pay", 1, "pay.dlq", 1));
        KafkaDeadLetterSink sink = new KafkaDeadLetterSink(kafka.bootstrapServers(), shortTimeouts());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread flusher = flushThroughAnOutage(sink, kafka, failure);
        Thread.sleep(2L * DELIVERY_TIMEOUT_MS);
        sink.close();
        flusher.join(120_000);
        assertThat(flusher.isAlive()).as("the flush after close").isFalse();
        assertThat(failure.get()).isInstanceOf(TesseraException.class).hasMessageContaining("read again after a restart");
    }

    /** A dead-letter topic the broker says does not exist fails the flush with its name (not an endless wait). */
    @Test
    void aMissingDeadLetterTopicFailsTheFlushWithItsName() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"), freePort());
        try {
            kafka.createTopics(Map.of("pay", 1));
            try (KafkaDeadLetterSink sink = new KafkaDeadLetterSink(kafka.bootstrapServers(), shortTimeouts())) {
                sink.send("pay", 0, 1, bytes("k1"), bytes("{bad"), "malformed", "no topic for it");
                AtomicReference<Throwable> failure = new AtomicReference<>();
                try {
                    sink.flush();
                } catch (TesseraException e) {
                    failure.set(e);
                }
                assertThat(failure.get()).isNotNull().hasMessageContaining("pay.dlq").hasMessageContaining("does not exist");
            }
        } finally {
            kafka.close();
        }
    }

    /**
     * One dead letter written, the broker stopped, a second one sent into the outage, and a flush started on
     * a thread of its own (what the commit writer does): its failure, if any, lands in {@code failure}.
     */
    private static Thread flushThroughAnOutage(KafkaDeadLetterSink sink, EmbeddedKafka kafka, AtomicReference<Throwable> failure) {
        sink.send("pay", 0, 1, bytes("k1"), bytes("{bad"), "malformed", "before the outage");
        sink.flush();
        kafka.close();
        sink.send("pay", 0, 2, bytes("k2"), bytes("{worse"), "malformed", "during the outage");
        Thread flusher = new Thread(() -> {
            try {
                sink.flush();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        flusher.start();
        return flusher;
    }

    private static Properties shortTimeouts() {
        Properties p = new Properties();
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(DELIVERY_TIMEOUT_MS));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "2000");
        return p;
    }

    /** The {@code tessera.offset} header of every record of {@code topic}. */
    private static List<String> offsetsIn(EmbeddedKafka kafka, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> offsets = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    offsets.add(new String(r.headers().lastHeader("tessera.offset").value(), StandardCharsets.UTF_8));
                }
            }
        }
        return offsets;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

package dev.tessera.generator;

import dev.tessera.api.TesseraException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces each record to its source's topic, keyed by account id so that an account's events land
 * in one partition in delivery order (an idempotent producer keeps that order across retries).
 *
 * <p>Sends are asynchronous; the first failed send is reported by the next {@link #write} or by
 * {@link #close}, which flushes everything first.
 */
public final class KafkaRecordSink implements RecordSink {
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(15);

    private final Producer<byte[], byte[]> producer;
    private final boolean ownsProducer;
    private final String[] topics = new String[CommerceSource.values().length];
    private final Map<String, String> topicsBySource;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Callback onAck;

    /**
     * Sends through the caller's producer, which should be idempotent ({@link #producerSettings});
     * {@link #close} flushes it but does not close it.
     *
     * @param topicsBySource topic per source name; names the generator does not write are ignored
     */
    public KafkaRecordSink(Producer<byte[], byte[]> producer, Map<String, String> topicsBySource) {
        this(producer, topicsBySource, false);
    }

    private KafkaRecordSink(Producer<byte[], byte[]> producer, Map<String, String> topicsBySource, boolean owns) {
        this.producer = producer;
        this.ownsProducer = owns;
        this.topicsBySource = Map.copyOf(topicsBySource);
        for (CommerceSource s : CommerceSource.values()) {
            topics[s.ordinal()] = topicsBySource.get(s.sourceName());
        }
        this.onAck = (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        };
    }

    /**
     * Checks that every topic exists on {@code bootstrapServers}, then opens an idempotent producer
     * that {@link #close} closes.
     *
     * @throws TesseraException when the cluster cannot be reached or a topic is missing; the message
     *     says which, and what to do
     */
    public static KafkaRecordSink open(String bootstrapServers, Map<String, String> topicsBySource) {
        requireTopics(bootstrapServers, topicsBySource.values());
        return new KafkaRecordSink(new KafkaProducer<>(producerSettings(bootstrapServers), new ByteArraySerializer(),
                new ByteArraySerializer()), topicsBySource, true);
    }

    /**
     * Producer settings for generated events: idempotent ({@code acks=all}), one request in flight,
     * batches lingering 5 ms.
     *
     * <p>Why one in flight, when idempotence allows five: right after a topic is created the broker
     * can answer {@code NOT_LEADER_OR_FOLLOWER} to the first request while accepting the next one
     * pipelined behind it; the retried first batch then has a lower sequence number than what the
     * partition holds, and the producer retries it with {@code OUT_OF_ORDER_SEQUENCE_NUMBER} until
     * the delivery timeout (seen with Kafka 4.4 on the embedded broker, which the demo starts and
     * fills at once). With one request in flight nothing overtakes a retry. A request still carries
     * a batch for every partition, so throughput stays far above the generator's.
     */
    public static Properties producerSettings(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "tessera-generator");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(128 * 1024));
        return p;
    }

    private static void requireTopics(String bootstrapServers, java.util.Collection<String> wanted) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "tessera-generator-admin");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(ADMIN_TIMEOUT.toMillis()));
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(ADMIN_TIMEOUT.toMillis()));
        try (Admin admin = Admin.create(p)) {
            Set<String> existing = admin.listTopics().names().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Set<String> missing = new TreeSet<>(wanted);
            missing.removeAll(existing);
            if (!missing.isEmpty()) {
                throw new TesseraException("topic" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing)
                        + (missing.size() == 1 ? " does" : " do") + " not exist on " + bootstrapServers
                        + "; create " + (missing.size() == 1 ? "it" : "them")
                        + " (tessera run --embedded-kafka creates every source's topic), or point"
                        + " --bootstrap-servers at the cluster that has them");
            }
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new TesseraException("cannot reach Kafka at " + bootstrapServers + " within "
                    + ADMIN_TIMEOUT.toSeconds() + " s (" + cause + "); check --bootstrap-servers and that the cluster"
                    + " is up", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TesseraException("interrupted while checking the topics on " + bootstrapServers, e);
        }
    }

    @Override
    public void write(GeneratedRecord record) {
        throwIfFailed();
        String topic = topics[record.source().ordinal()];
        if (topic == null) {
            throw new TesseraException("no topic for source " + record.source().sourceName() + "; topics are given for "
                    + new TreeSet<>(topicsBySource.keySet()) + " (add the source to the definitions, or generate fewer"
                    + " sources)");
        }
        producer.send(new ProducerRecord<>(topic, record.key().getBytes(StandardCharsets.UTF_8), record.value()), onAck);
    }

    @Override
    public void close() {
        try {
            producer.flush();
        } finally {
            if (ownsProducer) {
                producer.close(Duration.ofSeconds(30));
            }
        }
        throwIfFailed();
    }

    private void throwIfFailed() {
        Exception e = failure.get();
        if (e != null) {
            throw new TesseraException("producing generated events failed: " + e.getMessage()
                    + "; check that the topics exist and the cluster is healthy", e);
        }
    }
}

package dev.tessera.runtime;

import dev.tessera.api.TesseraException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead letters to {@code <topic>.dlq}, in the format of {@link DeadLetterRecords}.
 *
 * <h2>Broker outages</h2>
 * A dead letter the producer gives up on with a retriable error (the broker unreachable past the
 * producer's delivery timeout, 2 minutes by default) is sent again at the next {@link #flush()}, which
 * returns only when every dead letter is acknowledged: the commit that follows waits for the broker
 * like the consumer does, rather than stopping the runtime. Before each new attempt the topics are
 * described: a dead-letter topic the broker says does not exist (deleted while running) fails the flush
 * with its name, not a wait. {@link #close()} ends the waiting: the flush then fails, the commit is not
 * written, and the records are read again after a restart (their offsets were not committed), so their
 * dead letters are sent again.
 */
final class KafkaDeadLetterSink implements DeadLetterSink {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaDeadLetterSink.class);
    static final String SUFFIX = DeadLetterRecords.SUFFIX;

    private final Properties config;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    /** Dead letters the producer gave up on with a retriable error: sent again by the next flush. */
    private final Queue<ProducerRecord<byte[], byte[]>> again = new ConcurrentLinkedQueue<>();
    private volatile boolean closing;
    private volatile Admin admin;

    KafkaDeadLetterSink(String bootstrapServers) {
        this(bootstrapServers, new Properties());
    }

    /** @param overrides producer settings over the defaults below (tests shorten the timeouts) */
    KafkaDeadLetterSink(String bootstrapServers, Properties overrides) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "tessera-dlq");
        p.putAll(overrides);
        config = p;
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public void send(String topic, int partition, long offset, byte[] key, byte[] value, String reason, String message) {
        send(DeadLetterRecords.of(topic, partition, offset, key, value, reason, message));
    }

    private void send(ProducerRecord<byte[], byte[]> record) {
        try {
            producer.send(record, (md, e) -> {
                if (e != null) {
                    failed(record, e);
                }
            });
        } catch (RuntimeException e) { // e.g. the topic's metadata not had within max.block.ms
            failed(record, e);
        }
    }

    private void failed(ProducerRecord<byte[], byte[]> record, Exception e) {
        if (e instanceof RetriableException && !closing) {
            again.add(record);
        } else {
            failure.compareAndSet(null, e);
        }
    }

    @Override
    public void flush() {
        long waitingSince = 0;
        while (true) {
            producer.flush();
            Exception e = failure.getAndSet(null);
            if (e != null) {
                throw new TesseraException("could not write dead letters: " + e.getMessage()
                        + (closing ? " (the runtime stopped before the broker acknowledged them; their records are read"
                                + " again after a restart)" : ""), e);
            }
            List<ProducerRecord<byte[], byte[]>> retry = new ArrayList<>();
            for (ProducerRecord<byte[], byte[]> r; (r = again.poll()) != null; ) {
                retry.add(r);
            }
            if (retry.isEmpty()) {
                if (waitingSince != 0) {
                    LOG.info("dead letters written after waiting {} s for the broker", (System.nanoTime() - waitingSince) / 1_000_000_000);
                }
                return;
            }
            if (closing) {
                throw new TesseraException("the runtime stopped before the broker acknowledged " + retry.size()
                        + " dead letters; their records are read again after a restart (their offsets were not committed)", null);
            }
            if (waitingSince == 0) {
                waitingSince = System.nanoTime();
            }
            checkTopicsExist(retry);
            LOG.warn("{} dead letters not acknowledged by the broker ({}); sending them again, and the commit waits for them",
                    retry.size(), String.join(", ", topics(retry)));
            retry.forEach(this::send);
        }
    }

    /** Fails when the broker answers that a dead-letter topic does not exist; an unreachable broker is waited for. */
    private void checkTopicsExist(List<ProducerRecord<byte[], byte[]>> records) {
        if (admin == null) {
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
            p.put(AdminClientConfig.CLIENT_ID_CONFIG, "tessera-dlq-check");
            admin = Admin.create(p);
        }
        try {
            admin.describeTopics(topics(records)).allTopicNames().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new TesseraException("could not write dead letters: a dead-letter topic of " + String.join(", ", topics(records))
                        + " does not exist (deleted while the runtime ran?); create it (kafka-topics.sh --create --topic <topic>.dlq)"
                        + " and restart: the records are read again", e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TesseraException("interrupted while waiting for the broker to take dead letters", e);
        } catch (java.util.concurrent.TimeoutException e) {
            // the broker does not answer: an outage, waited for
        }
    }

    private static Set<String> topics(List<ProducerRecord<byte[], byte[]>> records) {
        Set<String> topics = new LinkedHashSet<>();
        records.forEach(r -> topics.add(r.topic()));
        return topics;
    }

    @Override
    public void close() {
        closing = true;
        producer.close(Duration.ofSeconds(5));
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
    }
}

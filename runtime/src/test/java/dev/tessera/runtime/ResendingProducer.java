package dev.tessera.runtime;

import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * An at-least-once producer as applications write them, for the failure tests: it sends
 * {@link PaymentsWorld.Produced} records to their partitions at a steady pace from its own thread,
 * and sends again every record whose send failed, until each one is acknowledged. The Kafka client
 * is idempotent and retries by itself, but only within a short delivery timeout (3 s), so an outage
 * longer than that makes sends fail and the application resend them: a failed send may still have
 * been written, so the log can then hold a record twice, which the runtime's dedup must absorb.
 */
final class ResendingProducer implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final List<PaymentsWorld.Produced> records;
    private final int perSecond;
    private final ConcurrentLinkedQueue<PaymentsWorld.Produced> failed = new ConcurrentLinkedQueue<>();
    private final AtomicInteger unacknowledged = new AtomicInteger();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicLong resends = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicReference<Throwable> crashed = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile boolean noMore;

    /** Starts sending {@code records} in order, about {@code perSecond} a second. */
    ResendingProducer(String bootstrapServers, List<PaymentsWorld.Produced> records, int perSecond) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "3000");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "failure-test-producer");
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        this.records = records;
        this.perSecond = perSecond;
        this.thread = new Thread(this::run, "failure-test-producer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        long startedAt = System.nanoTime();
        try {
            int next = 0;
            while (!stop && ((!noMore && next < records.size()) || unacknowledged.get() > 0)) {
                for (PaymentsWorld.Produced r; (r = failed.poll()) != null; ) {
                    resends.incrementAndGet();
                    send(r);
                }
                long due = Math.min(records.size(), (System.nanoTime() - startedAt) * perSecond / 1_000_000_000L);
                while (next < due && !noMore) {
                    unacknowledged.incrementAndGet();
                    send(records.get(next++));
                    sent.set(next);
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            crashed.set(t);
        }
    }

    private void send(PaymentsWorld.Produced r) {
        producer.send(new ProducerRecord<>(PaymentsWorld.TOPIC, r.partition(), r.key(), r.value()), (md, e) -> {
            if (e == null) {
                unacknowledged.decrementAndGet();
            } else {
                failures.incrementAndGet();
                failed.add(r); // the client gave up on it: the application sends it again
            }
        });
    }

    /** Records handed to the client the first time (resends not counted). */
    int sent() {
        return sent.get();
    }

    /** Sends that failed, and the resends they caused. */
    long failures() {
        return failures.get();
    }

    long resends() {
        return resends.get();
    }

    /** Waits until every record has been acknowledged once; fails after {@code timeoutMillis} (a safety stop). */
    void awaitAllAcknowledged(long timeoutMillis) throws InterruptedException {
        thread.join(timeoutMillis);
        if (crashed.get() != null) {
            throw new IllegalStateException("the test's producer failed: " + crashed.get(), crashed.get());
        }
        if (thread.isAlive()) {
            throw new IllegalStateException("the test's producer did not get every record acknowledged in " + timeoutMillis
                    + " ms: " + sent() + " of " + records.size() + " sent, " + unacknowledged.get() + " not acknowledged");
        }
    }

    /**
     * Sends no record it has not sent yet, and waits until every one it has sent is acknowledged: then
     * the first {@link #sent()} records are in the log (at least once), and no other.
     */
    void finish(long timeoutMillis) throws InterruptedException {
        noMore = true;
        awaitAllAcknowledged(timeoutMillis);
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(30_000);
        producer.close(java.time.Duration.ofSeconds(5));
    }
}

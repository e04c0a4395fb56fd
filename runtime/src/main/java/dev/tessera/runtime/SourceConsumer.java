package dev.tessera.runtime;

import dev.tessera.runtime.decode.Decoded;
import dev.tessera.schemas.SchemaRegistryUnavailableException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls one source's partitions (assigned, not subscribed: offsets live in the Tessera store, not in
 * a consumer group), decodes every record on this thread, checks the source's quality rules on it
 * ({@link SourceQuality}), and hands batches to the applier. When the
 * applier falls behind, the queue is full and polling stops until it has room: memory stays bounded by
 * the queue capacity times the poll size, whatever the rate upstream.
 *
 * <h2>Broker silence</h2>
 * While the broker is down or unreachable, {@code poll} just returns nothing: the Kafka client
 * reconnects in the background and throws nothing, so lag and arrivals stand still exactly as when
 * producers stop. To tell the two apart, each poll reads the client's count of answered fetch
 * requests (its {@code fetch-total} metric, recorded on every fetch response, with or without
 * records: a healthy broker answers an idle fetch within {@code fetch.max.wait.ms}, 500 ms by
 * default). {@link SourceRuntime#brokerSilence} is how long polling has gone on since the last
 * answer. Blocked on a full queue the consumer does not poll, and the silence does not grow: a slow
 * applier is not a broker outage.
 */
final class SourceConsumer implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(SourceConsumer.class);

    private final SourceRuntime source;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final BlockingQueue<Batch> queue;
    private final RecordTracing tracing;
    private volatile boolean stopping;
    private volatile Throwable failure;
    private long[] lastPositions;
    /** The client's count of answered fetches (null until found; absent from a client that does not report it). */
    private org.apache.kafka.common.Metric fetchesAnswered;
    private boolean fetchMetricMissing;
    private double lastFetchesAnswered = -1;
    /** Wall-clock time of the last answered fetch, or of the first poll before any. */
    private long lastAnswer;

    /** @param tracing null when tracing is off: record headers are then never read */
    SourceConsumer(SourceRuntime source, KafkaConsumer<byte[], byte[]> consumer, BlockingQueue<Batch> queue, RecordTracing tracing) {
        this.source = source;
        this.tracing = tracing;
        this.consumer = consumer;
        this.queue = queue;
    }

    void stop() {
        stopping = true;
        consumer.wakeup();
    }

    Throwable failure() {
        return failure;
    }

    private long[] positions() {
        long[] positions = new long[source.partitions];
        java.util.Arrays.fill(positions, -1L);
        for (org.apache.kafka.common.TopicPartition tp : consumer.assignment()) {
            positions[tp.partition()] = consumer.position(tp);
        }
        return positions;
    }

    /** Records each partition's lag as the consumer knows it from its last fetch (no request). */
    private void publishLag() {
        long[] lag = new long[source.partitions];
        java.util.Arrays.fill(lag, -1L);
        for (org.apache.kafka.common.TopicPartition tp : consumer.assignment()) {
            java.util.OptionalLong l = consumer.currentLag(tp);
            if (l.isPresent()) {
                lag[tp.partition()] = l.getAsLong();
            }
        }
        source.lag = lag;
    }

    /** Updates {@link SourceRuntime#brokerSilence} after a poll at {@code wall}. */
    private void publishBrokerSilence(long wall) {
        if (fetchesAnswered == null && !fetchMetricMissing) {
            for (var e : consumer.metrics().entrySet()) {
                if (e.getKey().name().equals("fetch-total") && e.getKey().group().equals("consumer-fetch-manager-metrics")) {
                    fetchesAnswered = e.getValue();
                }
            }
            fetchMetricMissing = fetchesAnswered == null;
            if (fetchMetricMissing) {
                LOG.warn("the Kafka consumer of source {} reports no fetch-total metric: broker silence is not measured",
                        source.source.name());
            }
        }
        if (fetchMetricMissing) {
            return; // stays -1: unknown
        }
        double answered = fetchesAnswered.metricValue() instanceof Number n ? n.doubleValue() : -1;
        if (lastAnswer == 0 || answered > lastFetchesAnswered) {
            lastAnswer = wall;
        }
        lastFetchesAnswered = Math.max(lastFetchesAnswered, answered);
        source.brokerSilence = Math.max(0, wall - lastAnswer);
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                ConsumerRecords<byte[], byte[]> polled;
                try {
                    polled = consumer.poll(Duration.ofMillis(100));
                } catch (WakeupException e) {
                    break;
                }
                long[] positions = positions();
                publishLag();
                publishBrokerSilence(System.currentTimeMillis());
                if (polled.isEmpty() && java.util.Arrays.equals(positions, lastPositions)) {
                    continue;
                }
                lastPositions = positions;
                Batch.Record[] records = new Batch.Record[polled.count()];
                int n = 0;
                long wall = System.currentTimeMillis();
                long now = source.quality.isEmpty() ? 0 : wall;
                long[] arrivals = source.lastArrival;
                for (ConsumerRecord<byte[], byte[]> rec : polled) {
                    Decoded decoded;
                    try {
                        decoded = EventRules.decodeWaiting(source.decoder, rec.value(), rec.topic(), rec.partition(),
                                rec.offset(), () -> stopping);
                    } catch (SchemaRegistryUnavailableException e) {
                        return; // stopped while the registry was away: this batch is never handed on
                    }
                    if (rec.partition() < arrivals.length) {
                        arrivals[rec.partition()] = wall;
                    }
                    if (decoded.isAccepted()) {
                        source.presence.observe(decoded.event());
                        if (now != 0) {
                            source.quality.observe(decoded.event(), now);
                        }
                    }
                    records[n++] = new Batch.Record(rec.partition(), rec.offset(), rec.timestamp(), rec.key(), rec.value(), decoded,
                            tracing == null ? null : tracing.parentOf(rec.headers()));
                }
                source.presence.publish();
                Batch batch = new Batch(source, records, n, positions);
                // not put(): a consumer blocked on a full queue must still see stop(), or closing a runtime whose
                // applier failed (a full disk) waits for it in vain. A batch not handed on is not applied, so its
                // records are not committed either: the next start reads them again.
                while (!queue.offer(batch, 100, TimeUnit.MILLISECONDS)) {
                    if (stopping) {
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
            LOG.error("consumer of source {} stopped: {}", source.source.name(), t.toString(), t);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }
}

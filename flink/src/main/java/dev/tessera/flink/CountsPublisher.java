package dev.tessera.flink;

import dev.tessera.runtime.WriterCounts;
import dev.tessera.store.TileStore;
import dev.tessera.store.WriteSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes one operator subtask's counts ({@link WriterCounts}: outcomes and source rule checks) to
 * the job's Redis every {@link #DEFAULT_INTERVAL_MILLIS}, and once more when the subtask closes, so
 * stateless serving nodes show and alert on them (ADR 030). On a thread of its own: a slow or absent
 * Redis never holds up the records; a failed publish is logged (at most once a minute) and the next
 * one tries again. Counts are live monitoring, not state: a restarted subtask publishes from zero in a
 * new incarnation, and the serving nodes add across the restart.
 */
final class CountsPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CountsPublisher.class);
    static final long DEFAULT_INTERVAL_MILLIS = 1_000;
    private static final long WARN_EVERY_NANOS = 60_000_000_000L;

    private final RedisAddress address;
    private final String source;
    private final String writer;
    private final Supplier<WriterCounts> counts;
    private final ScheduledExecutorService timer;
    /** Opened on the publishing thread, at the first publish (a Redis that is down must not fail the task's start). */
    private TileStore store;
    private long warnedAt = System.nanoTime() - WARN_EVERY_NANOS;

    private CountsPublisher(RedisAddress address, String source, String writer, Supplier<WriterCounts> counts, long intervalMillis) {
        this.address = address;
        this.source = source;
        this.writer = writer;
        this.counts = counts;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tessera-counts-" + source + "-" + writer);
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::publish, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** Starts publishing {@code counts} as writer {@code writer} of {@code source}; null (nothing to close) without an address. */
    static CountsPublisher start(RedisAddress address, String source, String writer, Supplier<WriterCounts> counts) {
        return address == null ? null : new CountsPublisher(address, source, writer, counts, DEFAULT_INTERVAL_MILLIS);
    }

    private void publish() {
        try {
            if (store == null) {
                store = address.open();
            }
            WriteSet ws = new WriteSet();
            WriterCounts.put(ws, source, writer, counts.get());
            store.write(ws);
        } catch (RuntimeException e) {
            long now = System.nanoTime();
            if (now - warnedAt >= WARN_EVERY_NANOS) {
                warnedAt = now;
                LOG.warn("could not publish the counts of {} of source '{}' to Redis ({}); the next publish tries again,"
                        + " and serving nodes show the last published counts until then", writer, source, e.getMessage());
            }
        }
    }

    /** Publishes the final counts and stops. */
    @Override
    public void close() throws InterruptedException {
        timer.shutdown();
        if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
            timer.shutdownNow(); // a publish stuck on Redis: the last published counts stand
            return;
        }
        publish(); // the publishing thread has stopped: this thread owns the store now
        if (store != null) {
            store.close();
        }
    }
}

package dev.tessera.flink;

import dev.tessera.runtime.WriterCounts;
import dev.tessera.store.TileStore;
import dev.tessera.store.WriteSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes one operator subtask's counts ({@link WriterCounts}: outcomes and source rule checks) to
 * the job's Redis every {@link #DEFAULT_INTERVAL_MILLIS}, and once more when the subtask closes, so
 * stateless serving nodes show and alert on them (ADR 030). Counts are live monitoring, not state: a
 * restarted subtask publishes from zero in a new incarnation, and the serving nodes add across the
 * restart.
 *
 * <h2>One connection per task manager</h2>
 * Every publishing subtask of a task manager's JVM (each fan-out and aggregating subtask of each
 * source) shares one Redis client and one thread per Redis address ({@link Shared}): each tick
 * writes all their counts in one store write. A client per subtask, as at first, cost a Lettuce
 * client with its own event-loop and computation threads and a connection per subtask per source:
 * hundreds of each on a task manager with a few sources at parallelism 32. The shared thread is the
 * only one that talks to Redis: a slow or absent Redis never holds up the records; a failed publish
 * is logged (at most once a minute) and the next tick tries again. The last subtask to close closes
 * the client.
 */
final class CountsPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CountsPublisher.class);
    static final long DEFAULT_INTERVAL_MILLIS = 1_000;
    private static final long WARN_EVERY_NANOS = 60_000_000_000L;
    private static final long CLOSE_WAIT_SECONDS = 5;
    /** The publishers of this JVM (this job's class loader), one per Redis address. */
    private static final Map<RedisAddress, Shared> SHARED = new HashMap<>(); // guarded by itself

    private final Shared shared;
    private final String source;
    private final String writer;
    private final Supplier<WriterCounts> counts;

    private CountsPublisher(Shared shared, String source, String writer, Supplier<WriterCounts> counts) {
        this.shared = shared;
        this.source = source;
        this.writer = writer;
        this.counts = counts;
    }

    /** Starts publishing {@code counts} as writer {@code writer} of {@code source}; null (nothing to close) without an address. */
    static CountsPublisher start(RedisAddress address, String source, String writer, Supplier<WriterCounts> counts) {
        return address == null ? null : start(address, source, writer, counts, DEFAULT_INTERVAL_MILLIS);
    }

    static CountsPublisher start(RedisAddress address, String source, String writer, Supplier<WriterCounts> counts,
                                 long intervalMillis) {
        synchronized (SHARED) {
            Shared s = SHARED.computeIfAbsent(address, a -> new Shared(a, intervalMillis));
            CountsPublisher p = new CountsPublisher(s, source, writer, counts);
            s.publishers.add(p);
            return p;
        }
    }

    /** How many shared clients this JVM holds (tests: one per Redis address, whatever the subtasks). */
    static int sharedClients() {
        synchronized (SHARED) {
            return SHARED.size();
        }
    }

    /** Publishes this writer's final counts (on the shared thread) and stops publishing it. */
    @Override
    public void close() throws InterruptedException {
        boolean last;
        java.util.concurrent.Future<?> done;
        synchronized (SHARED) {
            shared.publishers.remove(this);
            last = shared.publishers.isEmpty();
            if (last) {
                SHARED.remove(shared.address, shared);
            }
            // queued under the lock: before the stop of whichever publisher closes last (one thread, in order)
            done = shared.timer.submit(() -> shared.publish(java.util.List.of(this)));
        }
        try {
            done.get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // publish logs its own failures
        } catch (TimeoutException e) {
            LOG.warn("the final counts of {} of source '{}' were not published within {} s (Redis slow or down);"
                    + " serving nodes show the last published counts", writer, source, CLOSE_WAIT_SECONDS);
        } finally {
            if (last) {
                shared.stop();
            }
        }
    }

    /** One Redis address's client and thread, for every publisher of this JVM that writes to it. */
    private static final class Shared {
        final RedisAddress address;
        final Set<CountsPublisher> publishers = ConcurrentHashMap.newKeySet();
        final ScheduledExecutorService timer;
        /** Opened on the publishing thread, at the first publish (a Redis that is down must not fail a task's start). */
        private TileStore store;
        private long warnedAt = System.nanoTime() - WARN_EVERY_NANOS;

        Shared(RedisAddress address, long intervalMillis) {
            this.address = address;
            this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tessera-counts-publisher");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleWithFixedDelay(() -> publish(publishers), intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        }

        /** On the shared thread: one write with the counts of {@code which}. */
        void publish(Iterable<CountsPublisher> which) {
            WriteSet ws = new WriteSet();
            int writers = 0;
            try {
                for (CountsPublisher p : which) {
                    writers++;
                    WriterCounts.put(ws, p.source, p.writer, p.counts.get());
                }
                if (ws.isEmpty()) {
                    return;
                }
                if (store == null) {
                    store = address.open();
                }
                store.write(ws);
            } catch (RuntimeException e) {
                long now = System.nanoTime();
                if (now - warnedAt >= WARN_EVERY_NANOS) {
                    warnedAt = now;
                    LOG.warn("could not publish the counts of {} subtask(s) to Redis ({}); the next publish tries again,"
                            + " and serving nodes show the last published counts until then", writers, e.getMessage());
                }
            }
        }

        /** After the last publisher's final publish: stops the thread and closes the client on it. */
        void stop() throws InterruptedException {
            timer.execute(() -> {
                if (store != null) {
                    store.close();
                    store = null;
                }
            });
            timer.shutdown();
            if (!timer.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                timer.shutdownNow(); // stuck on Redis: the daemon thread goes with the JVM
            }
        }
    }
}

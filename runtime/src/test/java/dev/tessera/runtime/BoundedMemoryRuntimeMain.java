package dev.tessera.runtime;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runtime in a small-heap child JVM for {@link BoundedMemoryTest}: args are the bootstrap
 * servers, the definitions folder and the RocksDB folder. Consumes until caught up with everything
 * in the topic when it started, then prints
 * <ul>
 *   <li>{@code MAX_HEAP <bytes>}: the heap limit in force;</li>
 *   <li>{@code CONSUMER_SAMPLES <blocked> <total>}: how often the consumer thread, sampled every
 *       few milliseconds, was found waiting to hand a batch to the applier (the backpressure the
 *       test is about; sampling is only evidence that the path was taken, not a measurement);</li>
 *   <li>{@code COUNTERS <outcome>=<n> ...}: the source's counters;</li>
 * </ul>
 * then closes and exits 0. Any failure exits non-zero; an OutOfMemoryError ends the JVM (the test
 * runs it with {@code -XX:+ExitOnOutOfMemoryError}).
 */
public final class BoundedMemoryRuntimeMain {
    private BoundedMemoryRuntimeMain() {}

    public static void main(String[] args) throws Exception {
        Definitions defs = DefinitionLoader.load(Path.of(args[1]));
        AtomicLong blocked = new AtomicLong();
        AtomicLong samples = new AtomicLong();
        try (TileStore store = RocksDbTileStore.open(Path.of(args[2]));
             StreamRuntime rt = StreamRuntime.start(defs, Path.of(args[1]), store,
                     RuntimeConfig.defaults(args[0]).withDeadLetters(false))) {
            Thread consumer = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("tessera-consumer")).findFirst().orElseThrow();
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    samples.incrementAndGet();
                    if (waitsToPut(consumer)) {
                        blocked.incrementAndGet();
                    }
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "consumer-sampler");
            sampler.setDaemon(true);
            sampler.start();
            rt.awaitCaughtUp(Duration.ofMinutes(10));
            sampler.interrupt();
            sampler.join();
            StringBuilder counters = new StringBuilder("COUNTERS");
            rt.counters("payments").forEach((k, v) -> counters.append(' ').append(k).append('=').append(v));
            System.out.println("MAX_HEAP " + Runtime.getRuntime().maxMemory());
            System.out.println("CONSUMER_SAMPLES " + blocked.get() + " " + samples.get());
            System.out.println(counters);
            System.out.flush();
        }
        System.exit(0);
    }

    /**
     * Whether {@code t} is parked inside a blocking queue's {@code put} or timed {@code offer} (the queue to
     * the applier is full; the consumer offers with a timeout so that it sees a stop).
     */
    private static boolean waitsToPut(Thread t) {
        Thread.State state = t.getState();
        if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
            return false;
        }
        for (StackTraceElement frame : t.getStackTrace()) {
            if ((frame.getMethodName().equals("put") || frame.getMethodName().equals("offer"))
                    && frame.getClassName().endsWith("BlockingQueue")) {
                return true;
            }
        }
        return false;
    }
}

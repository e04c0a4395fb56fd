package dev.tessera.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C / SIGTERM for the long-running commands: a shutdown hook that asks the command to stop,
 * then holds the JVM until {@code closed} is counted down (the final commit, the store and the
 * broker closed), at most 30 s. Closing this removes the hook when the command ends by itself.
 */
final class StopSignal implements AutoCloseable {
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread hook;

    StopSignal(CountDownLatch closed) {
        hook = new Thread(() -> {
            stop.countDown();
            try {
                closed.await(30, TimeUnit.SECONDS); // let the final commit finish before the JVM exits
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "tessera-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** What a long-running command does at each tick while it waits; throws to stop it (a failure). */
    @FunctionalInterface
    interface Tick {
        void run() throws Exception;
    }

    /**
     * Waits for Ctrl-C or SIGTERM, or for {@code durationSeconds} to pass (0: no end), calling {@code
     * tick} every {@code tickMillis} meanwhile; {@code closed} as for the constructor.
     */
    static void waitForStop(CountDownLatch closed, long durationSeconds, long tickMillis, Tick tick) throws Exception {
        long end = durationSeconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds) : Long.MAX_VALUE;
        try (StopSignal stop = new StopSignal(closed)) {
            while (true) {
                long wait = Math.min(tickMillis, Math.max(1, (end - System.nanoTime()) / 1_000_000));
                if (stop.await(wait) || System.nanoTime() >= end) {
                    return;
                }
                tick.run();
            }
        }
    }

    /** Waits up to {@code millis}; true once a stop was asked for. */
    boolean await(long millis) throws InterruptedException {
        return stop.await(millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        if (stop.getCount() > 0) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down
            }
        }
    }
}

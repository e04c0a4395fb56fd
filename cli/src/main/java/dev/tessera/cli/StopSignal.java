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

package dev.tessera.offline.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The worker threads of one training-set build (daemon threads, so a build that fails cannot keep
 * the JVM alive). Tasks report failure by throwing; {@code UncheckedIOException} carries I/O errors.
 */
final class Workers implements AutoCloseable {
    private final ExecutorService pool;

    Workers(int threads) {
        pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "training-set-worker");
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs the tasks on the pool, calling {@code tick} on this thread every 200 ms until all are done; rethrows their failure. */
    void run(List<Runnable> tasks, Runnable tick) throws IOException {
        List<Future<?>> futures = new ArrayList<>();
        for (Runnable t : tasks) {
            futures.add(pool.submit(t));
        }
        try {
            for (Future<?> f : futures) {
                while (true) {
                    try {
                        f.get(200, TimeUnit.MILLISECONDS);
                        break;
                    } catch (TimeoutException notYet) {
                        tick.run();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while building the training set", e);
        } catch (ExecutionException e) {
            for (Future<?> f : futures) {
                f.cancel(true);
            }
            Throwable cause = e.getCause();
            if (cause instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}

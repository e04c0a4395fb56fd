package dev.tessera.generator;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread behind {@link LiveGenerator}. Simulated time starts at the wall clock's now and is
 * never ahead of it: the loop delivers every record due by now, then sleeps until the next is due
 * (at most 50 ms, so that close is prompt). When the sink is slower than the rate, records go out
 * as fast as it takes them, stamped with the time they were due, and {@link #lagMillis()} grows.
 */
final class LiveRun implements LiveGeneration, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveRun.class);
    private static final long MAX_SLEEP_MILLIS = 50;

    private final RecordSink sink;
    private final LongSupplier clock;
    private final StatsCounter stats = new StatsCounter();
    private final Faults faults = new Faults();
    private final Delivery delivery;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private volatile long lag;
    private boolean closed;

    private LiveRun(GeneratorConfig config, RecordSink sink, LongSupplier clock) {
        this.sink = sink;
        this.clock = clock;
        this.delivery = new Delivery(config, clock.getAsLong(), stats);
        this.thread = new Thread(this, "tessera-generator");
        this.thread.setDaemon(true);
    }

    static LiveRun start(GeneratorConfig config, RecordSink sink, LongSupplier clock) {
        LiveRun run = new LiveRun(config, sink, clock);
        run.thread.start();
        return run;
    }

    @Override
    public void run() {
        try {
            while (stop.getCount() > 0 && !delivery.finished()) {
                long now = clock.getAsLong();
                GeneratedRecord r = delivery.next(now);
                if (r != null) {
                    GeneratedRecord produced = faults.apply(r);
                    if (produced != null) {
                        sink.write(produced);
                    }
                    lag = Math.max(0, now - stats.lastTime());
                    continue;
                }
                if (!delivery.finished()) {
                    long wait = Math.min(MAX_SLEEP_MILLIS, Math.max(1, delivery.peekTime() - now));
                    stop.await(wait, TimeUnit.MILLISECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failure = e;
            LOG.error("the event generator stopped: {}", e.getMessage(), e);
        } finally {
            running = false;
        }
    }

    @Override
    public GenerationStats stats() {
        return stats.snapshot();
    }

    @Override
    public Faults faults() {
        return faults;
    }

    @Override
    public ActiveKeys activeKeys(int n) {
        return delivery.world().population.activeKeys(n);
    }

    @Override
    public Map<FraudPattern, FraudSighting> latestFraud() {
        return stats.sightings();
    }

    @Override
    public long lagMillis() {
        return lag;
    }

    @Override
    public boolean running() {
        return running;
    }

    @Override
    public Throwable failure() {
        return failure;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop.countDown();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            sink.close();
        }
    }
}

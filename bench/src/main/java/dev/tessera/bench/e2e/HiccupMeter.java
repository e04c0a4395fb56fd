package dev.tessera.bench.e2e;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * How late a thread that asks to wake up runs, on this machine, with nothing of ours running: the
 * floor under any latency measured here (the idea of Gil Tene's jHiccup, whose artifact Maven
 * Central does not serve here). A thread parks for {@code periodMicros} again and again and records
 * how much later than asked it ran; on a shared VM the host and the kernel's own threads take the
 * CPU now and then, and every request due meanwhile waits as long.
 *
 * <p>Run alone: {@code java -cp bench/target/benchmarks.jar dev.tessera.bench.e2e.HiccupMeter [seconds]
 * [periodMicros]}; {@link ServingLatencyBench} runs it before it starts the server.
 */
public final class HiccupMeter {
    private HiccupMeter() {}

    public static void main(String[] args) {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int period = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        System.out.println(describe(measure(seconds, period), seconds, period));
    }

    /** Parks for {@code periodMicros} for {@code seconds}; the histogram holds the lateness of each wake-up (ns). */
    static Histogram measure(int seconds, int periodMicros) {
        Histogram late = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long period = TimeUnit.MICROSECONDS.toNanos(periodMicros);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long before = System.nanoTime();
        while (before < end) {
            LockSupport.parkNanos(period);
            long now = System.nanoTime();
            late.recordValue(Math.min(late.getHighestTrackableValue(), Math.max(0, now - before - period)));
            before = now;
        }
        return late;
    }

    static String describe(Histogram late, int seconds, int periodMicros) {
        long over1ms = late.getCountBetweenValues(1_000_001, late.getHighestTrackableValue());
        return String.format("machine hiccups (a thread parking %d us for %d s, idle otherwise): late by p50 %.0f us,"
                        + " p99 %.0f us, p99.9 %.0f us, max %.1f ms; %d wake-ups over 1 ms late (%.1f a second)",
                periodMicros, seconds, late.getValueAtPercentile(50) / 1e3, late.getValueAtPercentile(99) / 1e3,
                late.getValueAtPercentile(99.9) / 1e3, late.getMaxValue() / 1e6, over1ms, over1ms / (double) seconds);
    }
}

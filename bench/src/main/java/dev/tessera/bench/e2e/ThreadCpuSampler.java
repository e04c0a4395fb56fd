package dev.tessera.bench.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of this process's threads between {@link #start} and {@link #stop}, by thread name
 * (Linux's 15-character {@code comm}, numbers stripped), including threads that ended meanwhile:
 * {@code /proc/self/task} is read every 100 ms, so a thread's last 100 ms may be missed. The Flink
 * benchmark needs this because a bounded job's task threads are gone when it ends, which
 * {@code ThreadCpu}'s single snapshot would miss.
 */
final class ThreadCpuSampler implements AutoCloseable {
    /** The sampling thread's name (its CPU is the benchmark's, not the process's work). */
    static final String THREAD_NAME = "cpu-sampler";
    private final Map<String, long[]> byTid = new HashMap<>(); // tid -> {ticks at start (or 0), last ticks}
    private final Map<String, String> names = new HashMap<>();
    private final Thread sampler;
    private volatile boolean running = true;

    private ThreadCpuSampler() {
        sample(true);
        sampler = new Thread(() -> {
            while (running) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                sample(false);
            }
        }, THREAD_NAME);
        sampler.setDaemon(true);
        sampler.start();
    }

    static ThreadCpuSampler start() {
        return new ThreadCpuSampler();
    }

    private synchronized void sample(boolean baseline) {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return;
        }
        try (var dirs = Files.list(tasks)) {
            for (Path t : (Iterable<Path>) dirs::iterator) {
                try {
                    String tid = t.getFileName().toString();
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime, 10 ms each
                    long[] seen = byTid.computeIfAbsent(tid, k -> new long[] {baseline ? ticks : 0, 0});
                    seen[1] = ticks;
                    names.computeIfAbsent(tid, k -> name(t));
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            // no /proc: nothing to report
        }
    }

    private static String name(Path task) {
        try {
            return Files.readString(task.resolve("comm")).trim().replaceAll("[-#0-9 ]+$", "").replaceAll("\\(\\d+/\\d+\\)", "").trim();
        } catch (IOException e) {
            return "?";
        }
    }

    /** Ends sampling; CPU seconds by thread name since {@link #start}. */
    synchronized Map<String, Double> stop() {
        running = false;
        sample(false);
        Map<String, Double> out = new TreeMap<>();
        for (Map.Entry<String, long[]> e : byTid.entrySet()) {
            long ticks = e.getValue()[1] - e.getValue()[0];
            if (ticks > 0) {
                out.merge(names.get(e.getKey()), ticks / 100.0, Double::sum);
            }
        }
        return out;
    }

    /** What {@link #stopWithoutSelf()} returns: CPU seconds by thread name without the sampler's thread, and that thread's CPU. */
    record Usage(Map<String, Double> byThread, long samplerMs) {
        /** The {@code n} largest, "name seconds" separated by commas. */
        String largest(int n) {
            StringBuilder out = new StringBuilder();
            byThread.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(n)
                    .forEach(e -> out.append(out.isEmpty() ? "" : ", ").append(e.getKey()).append(' ')
                            .append(String.format("%.1f", e.getValue())));
            return out.toString();
        }
    }

    /** {@link #stop()}, with this sampler's own thread (its reads of /proc: the benchmark's work, not the process's) apart. */
    Usage stopWithoutSelf() {
        Map<String, Double> byThread = stop();
        Double own = byThread.remove(THREAD_NAME);
        return new Usage(byThread, own == null ? 0 : Math.round(1000 * own));
    }

    @Override
    public void close() {
        running = false;
    }
}

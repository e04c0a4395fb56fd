package dev.tessera.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of every thread of this process, grouped by thread name without its number: the JVM's
 * own (collector, concurrent refinement, compilers), Kafka's and RocksDB's native ones included,
 * which JFR's samples do not show. Read from {@code /proc/self/task} (Linux; empty elsewhere).
 * Used by the benchmarks to say where an event's CPU goes.
 */
public final class ThreadCpu {
    private ThreadCpu() {}

    /** Clock ticks (10 ms) of user plus system time per thread name, since each thread started. */
    public static Map<String, Long> snapshot() {
        Map<String, Long> ticks = new TreeMap<>();
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return ticks;
        }
        try (var dirs = Files.list(tasks)) {
            for (Path t : (Iterable<Path>) dirs::iterator) {
                try {
                    String name = Files.readString(t.resolve("comm")).trim().replaceAll("[-#0-9]+$", "").trim();
                    String stat = Files.readString(t.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum); // utime + stime
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return ticks;
        }
        return ticks;
    }

    /**
     * Prints the CPU of each thread name since {@code before} (a {@link #snapshot()}; empty for
     * "since the threads started"), in seconds and µs per event, largest first.
     */
    public static void print(Map<String, Long> before, long events) {
        Map<String, Long> now = snapshot();
        if (now.isEmpty()) {
            return;
        }
        now.replaceAll((name, t) -> t - before.getOrDefault(name, 0L));
        System.out.println("CPU by thread (clock ticks of 10 ms; µs per event):");
        now.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .filter(e -> e.getValue() >= 10)
                .forEach(e -> System.out.printf("  %-24s %6.2f s  %6.2f µs/event%n", e.getKey(), e.getValue() / 100.0,
                        e.getValue() * 10_000.0 / events));
    }
}

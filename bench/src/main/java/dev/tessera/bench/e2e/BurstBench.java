package dev.tessera.bench.e2e;

import dev.tessera.runtime.StreamRuntime;
import dev.tessera.serving.ServingServer;
import dev.tessera.serving.Tokens;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Issue [Reliability]: a burst of ten times the steady rate for a minute (the seed system's Black
 * Friday), on the embedded runtime as {@code tessera run} builds it (in-process broker, RocksDB,
 * the HTTP API), with live payments (event time = now) and, throughout, constant-rate reads from
 * the coordinated-omission-free {@link LoadGenerator}.
 *
 * <p>Phases: {@code --before-s} at {@code --steady} events/s, {@code --burst-s} at
 * {@code --factor} times that, {@code --after-s} at the steady rate again. Every second a sampler
 * records the consumer lag (records), events applied, the heap used after the last collection and
 * the freshness (now minus the newest applied event time). Reported per phase: events produced and
 * applied per second, the lag's peak and where it ended, read latency p50/p99/p99.9/max from the due
 * time, errors; and when the lag, after the burst, first fell back under one second of steady input
 * (recovery). The JVM's heap is capped ({@code -Xmx} of the command): an out-of-memory error fails
 * the run.
 *
 * <pre>
 * java -Xmx2g -cp bench/target/benchmarks.jar dev.tessera.bench.e2e.BurstBench \
 *     [--steady 5000] [--factor 10] [--before-s 30] [--burst-s 60] [--after-s 120] \
 *     [--accounts 20000] [--read-rate 1000] [--connections 4] [--examples examples/commerce]
 * </pre>
 */
public final class BurstBench {
    private BurstBench() {}

    record Phase(String name, int rate, int seconds) {}

    record Sample(long atMillis, String phase, long lag, long applied, long heapUsed, long freshnessMs) {}

    public static void main(String[] args) throws Exception {
        int steady = intArg(args, "--steady", 5_000);
        int factor = intArg(args, "--factor", 10);
        int accounts = intArg(args, "--accounts", 20_000);
        int readRate = intArg(args, "--read-rate", 1_000);
        int connections = intArg(args, "--connections", 4);
        Path examples = Path.of(stringArg(args, "--examples", "examples/commerce"));
        List<Phase> phases = List.of(new Phase("steady", steady, intArg(args, "--before-s", 30)),
                new Phase("burst x" + factor, steady * factor, intArg(args, "--burst-s", 60)),
                new Phase("after", steady, intArg(args, "--after-s", 120)));
        System.out.printf("machine: %d cores, max heap %d MB, %s; steady %,d events/s, burst %,d events/s; reads %,d/s on %d"
                        + " connections; %,d accounts%n", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.version"), steady, steady * factor, readRate,
                connections, accounts);
        Path work = Files.createTempDirectory("tessera-burst");
        try (ServingStack stack = ServingStack.start(examples, work)) {
            double loaded = stack.load(accounts, accounts, 1, null); // every account has its state before the reads start
            System.out.printf("loaded %,d accounts in %.1f s%n", accounts, loaded);
            ServingServer server = stack.serve(stack.api(Tokens.none()));
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.port());
            StreamRuntime rt = stack.runtime();
            String topic = stack.definitions().source("payments").orElseThrow().topic();

            List<Sample> samples = new ArrayList<>();
            String[] currentPhase = {phases.get(0).name()};
            AtomicLong produced = new AtomicLong();
            long[] preloaded = {rt.counters("payments").getOrDefault("in", 0L)};
            // warm the read path (the JIT) before measuring
            LoadGenerator.run("warm-up", address, connections, readRate, Duration.ofSeconds(10),
                    i -> new ServingExchanges(accounts, null).oneEntity(100 + i), 100, 0, 50_000_000L, null, 0);
            Throwable[] failure = {null};
            Thread producer = new Thread(() -> {
                try (KafkaProducer<byte[], byte[]> p = PaymentEvents.producer(stack.bootstrapServers())) {
                    Random rnd = new Random(7);
                    long next = System.nanoTime();
                    int id = accounts;
                    for (Phase phase : phases) {
                        currentPhase[0] = phase.name();
                        long end = next + phase.seconds() * 1_000_000_000L;
                        long gap = 1_000_000_000L / phase.rate();
                        while (next < end) {
                            long wait = next - System.nanoTime();
                            if (wait > 200_000) {
                                LockSupport.parkNanos(wait);
                            }
                            p.send(new ProducerRecord<>(topic, PaymentEvents.payment(rnd, id++, accounts, System.currentTimeMillis())));
                            produced.incrementAndGet();
                            next += gap;
                        }
                    }
                    p.flush();
                } catch (Throwable t) {
                    failure[0] = t;
                }
            }, "burst-producer");
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    long now = System.currentTimeMillis();
                    long sent = produced.get();
                    java.util.Map<String, Long> counters = rt.counters("payments");
                    long in = counters.getOrDefault("in", 0L) - preloaded[0];
                    long newest = rt.newestEventTime("payments");
                    synchronized (samples) {
                        // the lag: records produced in the run and not yet taken in by the runtime (the consumer's own
                        // figure, rt.lag, is as of each partition's last fetch and leaves out the records it queued)
                        samples.add(new Sample(now, currentPhase[0], Math.max(0, sent - in),
                                counters.getOrDefault("accepted", 0L), heapUsedAfterGc(),
                                newest == Long.MIN_VALUE || sent == 0 ? -1 : now - newest));
                    }
                    try {
                        Thread.sleep(1_000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "burst-sampler");
            ServingExchanges ex = new ServingExchanges(accounts, null);
            long gcBefore = gcMillis();
            producer.start();
            sampler.start();
            List<LoadGenerator.Result> reads = new ArrayList<>();
            for (Phase phase : phases) {
                reads.add(LoadGenerator.run(phase.name(), address, connections, readRate, Duration.ofSeconds(phase.seconds()),
                        i -> ex.oneEntity(500 + i), 100, 0, 50_000_000L, null, 0));
            }
            producer.join();
            rt.awaitCaughtUp(Duration.ofMinutes(10));
            Thread.sleep(1_100);
            sampler.interrupt();
            sampler.join();
            if (failure[0] != null) {
                throw new IllegalStateException("the producer failed", failure[0]);
            }
            report(phases, samples, reads, produced.get(), steady, gcMillis() - gcBefore);
        }
    }

    private static void report(List<Phase> phases, List<Sample> samples, List<LoadGenerator.Result> reads, long produced, int steady,
                               long gcMillis) {
        System.out.println();
        System.out.println("| phase | target events/s | applied events/s | lag peak (records) | lag at end | heap after GC, max (MB)"
                + " | freshness p50 / max (ms) | reads/s | read p50 / p99 / p99.9 / max (ms) | read errors |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int i = 0; i < phases.size(); i++) {
            Phase phase = phases.get(i);
            List<Sample> in = samples.stream().filter(s -> s.phase().equals(phase.name())).toList();
            if (in.isEmpty()) {
                continue;
            }
            long peak = in.stream().mapToLong(Sample::lag).max().orElse(0);
            long heap = in.stream().mapToLong(Sample::heapUsed).max().orElse(0);
            double seconds = (in.get(in.size() - 1).atMillis() - in.get(0).atMillis()) / 1000.0;
            double applied = seconds <= 0 ? 0 : (in.get(in.size() - 1).applied() - in.get(0).applied()) / seconds;
            long[] fresh = in.stream().mapToLong(Sample::freshnessMs).filter(f -> f >= 0).sorted().toArray();
            LoadGenerator.Result r = reads.get(i);
            System.out.printf("| %s | %,d | %,.0f | %,d | %,d | %,d | %,d / %,d | %,.0f | %.2f / %.2f / %.2f / %.2f | %d%s |%n",
                    phase.name(), phase.rate(), applied, peak, in.get(in.size() - 1).lag(), heap >> 20,
                    fresh.length == 0 ? -1 : fresh[fresh.length / 2], fresh.length == 0 ? -1 : fresh[fresh.length - 1],
                    r.achievedRate(), r.latencyMicros(50) / 1000, r.latencyMicros(99) / 1000, r.latencyMicros(99.9) / 1000,
                    r.latency.getMaxValue() / 1e6, r.errorCount(), r.fellBehind ? " (fell behind)" : "");
        }
        long burstEnd = samples.stream().filter(s -> s.phase().equals(phases.get(1).name())).mapToLong(Sample::atMillis).max()
                .orElse(Long.MAX_VALUE);
        Sample recovered = samples.stream().filter(s -> s.atMillis() > burstEnd && s.lag() <= steady).findFirst().orElse(null);
        System.out.printf("%nproduced %,d events; GC %,d ms in total; the lag fell under one second of steady input (%,d records)"
                        + " %s after the burst ended%n", produced, gcMillis, steady,
                recovered == null ? "NOT within the run" : String.format("%.0f s", (recovered.atMillis() - burstEnd) / 1000.0));
        System.out.println("lag by second (records): " + samples.stream().map(s -> Long.toString(s.lag()))
                .reduce((a, b) -> a + " " + b).orElse(""));
    }

    /** Heap in use just after the last collection of each pool (the live set), summed. */
    private static long heapUsedAfterGc() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                used += pool.getCollectionUsage().getUsed();
            }
        }
        return used;
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(b -> Math.max(0, b.getCollectionTime())).sum();
    }

    private static int intArg(String[] args, String name, int dflt) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return dflt;
    }

    private static String stringArg(String[] args, String name, String dflt) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return dflt;
    }
}

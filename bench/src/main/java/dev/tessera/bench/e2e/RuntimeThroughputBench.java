package dev.tessera.bench.e2e;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.runtime.RuntimeConfig;
import dev.tessera.runtime.StreamRuntime;
import dev.tessera.runtime.ThreadCpu;
import dev.tessera.runtime.kafka.EmbeddedKafka;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * End-to-end throughput and freshness of the embedded runtime with the example feature groups
 * ({@code examples/commerce}: payments feed {@code account_payments} and {@code card_payments}, 15
 * features, 30 served values incl. HLL, KLL and top-k sketches), exactly-once on (RocksDB commits
 * every 200 ms), from the in-process broker.
 *
 * <ol>
 *   <li><b>Throughput</b>: {@code N} payment events are produced first; then the runtime starts and
 *       the time to apply and commit all of them is measured (events/s, and process CPU seconds,
 *       which include the in-process broker serving the fetches).</li>
 *   <li><b>Freshness</b>: events produced at a constant rate ({@code --rate}, default half the
 *       measured maximum) for {@code --seconds}; for each, produced (Kafka CreateTime) to applied
 *       (readable through the FeatureReader), in an HdrHistogram.</li>
 * </ol>
 * Baseline: Flink's published Nexmark sliding-window figure, 22,100 events/s per core (the issue's
 * reference point); side-by-side peers come with the [Bench] issue.
 *
 * <p>{@code --warm-events W}: a running platform's steady state. {@code W} earlier events (the
 * preceding {@code --event-span-s} of event time, the same accounts) are applied first and not
 * measured, so the measured events meet entities that exist, as they do in production; without it
 * (the default) every entity is created during the measurement.
 *
 * <p>Run: {@code mvn -B -ntp -q package -pl bench -am -DskipTests && java -Xmx4g -cp bench/target/benchmarks.jar
 * dev.tessera.bench.e2e.RuntimeThroughputBench --events 2000000 --seconds 20}
 */
public final class RuntimeThroughputBench {
    private RuntimeThroughputBench() {}

    public static void main(String[] args) throws Exception {
        int events = intArg(args, "--events", 2_000_000);
        int seconds = intArg(args, "--seconds", 20);
        // freshness is recorded for events produced after this many seconds at the target rate: the
        // end of the maximum-throughput phase (its last commits, RocksDB's compactions) is not steady state
        int settle = intArg(args, "--settle-s", 5);
        int accounts = intArg(args, "--accounts", 100_000);
        int rateArg = intArg(args, "--rate", 0);
        int commitMs = intArg(args, "--commit-ms", 0);
        long spanMs = intArg(args, "--event-span-s", 3600) * 1000L;
        int warm = intArg(args, "--warm-events", 0);
        int maxPoll = intArg(args, "--max-poll-records", 0);
        Path features = Path.of(stringArg(args, "--features", "examples/commerce"));
        String trace = stringArg(args, "--trace", null); // file: per 10 ms of JVM uptime, events applied and their worst freshness
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        int[] traceCount = new int[1 << 16];
        int[] traceMax = new int[1 << 16];
        Path work = Files.createTempDirectory("tessera-bench");
        Definitions defs = DefinitionLoader.load(features);
        System.out.printf("machine: %d cores, max heap %d MB, %s%n", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.vm.version"));

        try (EmbeddedKafka kafka = EmbeddedKafka.start(work.resolve("kafka"))) {
            Map<String, Integer> topics = new HashMap<>();
            for (Source s : defs.sources().values()) {
                topics.put(s.topic(), 4);
                topics.put(s.topic() + ".dlq", 1);
            }
            kafka.createTopics(topics);
            String topic = defs.source("payments").orElseThrow().topic();
            Random rnd = new Random(1);
            long t0 = System.currentTimeMillis();
            try (KafkaProducer<byte[], byte[]> producer = PaymentEvents.producer(kafka.bootstrapServers())) {
                long start = System.nanoTime();
                // warm-up events: the span before the measured one, same accounts, ids apart from every other phase's
                Random warmRnd = new Random(2); // the measured events stay those of a run without warm-up
                for (int i = 0; i < warm; i++) {
                    producer.send(new ProducerRecord<>(topic, PaymentEvents.payment(warmRnd, 1_500_000_000 + i, accounts,
                            t0 - 2 * spanMs + (long) i * spanMs / warm)));
                }
                PaymentEvents.produceSpan(producer, topic, rnd, 0, events, accounts, t0 - spanMs, spanMs, null);
                producer.flush();
                System.out.printf("produced %,d events (after %,d warm-up events) in %.1f s%n", events, warm,
                        (System.nanoTime() - start) / 1e9);
            }

            Recorder freshness = new Recorder(3);
            AtomicLong applied = new AtomicLong();
            boolean[] measuring = {false};
            long[] measureFrom = {Long.MAX_VALUE}; // wall-clock ms: events produced from then on are recorded
            RuntimeConfig base = RuntimeConfig.defaults(kafka.bootstrapServers());
            if (commitMs > 0) {
                base = base.withCommitInterval(Duration.ofMillis(commitMs));
            }
            if (maxPoll > 0) {
                base = base.withMaxPollRecords(maxPoll);
            }
            System.out.printf("commit interval %d ms, %,d accounts%n", base.commitInterval().toMillis(), accounts);
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long[] warmedAt = {0, 0}; // nanoTime and process CPU when the warm-up count was applied
            @SuppressWarnings("unchecked")
            Map<String, Long>[] threadsAt = new Map[] {Map.of()}; // per-thread CPU then
            RuntimeConfig config = base.withAppliedListener((src, producedAt, at) -> {
                if (measuring[0] && producedAt >= measureFrom[0]) {
                    long f = Math.max(0, at - producedAt);
                    freshness.recordValue(f);
                    int bucket = (int) ((at - jvmStart) / 10);
                    if (bucket >= 0 && bucket < traceCount.length) {
                        traceCount[bucket]++;
                        traceMax[bucket] = Math.max(traceMax[bucket], (int) f);
                    }
                }
                if (applied.incrementAndGet() == warm) {
                    warmedAt[0] = System.nanoTime();
                    warmedAt[1] = os.getProcessCpuTime();
                    threadsAt[0] = ThreadCpu.snapshot();
                }
            });
            try (TileStore store = RocksDbTileStore.open(work.resolve("store"))) {
                long cpu0 = os.getProcessCpuTime();
                threadsAt[0] = ThreadCpu.snapshot();
                long start = System.nanoTime();
                double rate;
                try (StreamRuntime rt = StreamRuntime.start(defs, features, store, config)) {
                    rt.awaitCaughtUp(Duration.ofMinutes(30));
                    if (warm > 0) { // measure the events after the warm-up (partitions interleave: the last N applied)
                        start = warmedAt[0];
                        cpu0 = warmedAt[1];
                    }
                    double secs = (System.nanoTime() - start) / 1e9;
                    double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
                    rate = events / secs;
                    System.out.printf("THROUGHPUT %,d events in %.2f s: %,.0f events/s; process CPU %.1f s = %,.0f events per CPU-second;"
                                    + " counters %s%n", events, secs, rate, cpu, events / cpu, rt.counters("payments"));
                    ThreadCpu.print(threadsAt[0], events);
                    System.out.printf("store size %,d MB%n", store.approximateSizeBytes() >> 20);

                    int target = rateArg > 0 ? rateArg : (int) (rate / 2);
                    measuring[0] = true;
                    freshness.getIntervalHistogram();
                    try (KafkaProducer<byte[], byte[]> producer = PaymentEvents.producer(kafka.bootstrapServers())) {
                        producer.send(new ProducerRecord<>(topic, PaymentEvents.payment(rnd, 0, 1, System.currentTimeMillis()))).get();
                        long begin = System.nanoTime();
                        long sent = 0;
                        long total = (long) target * (settle + seconds);
                        long settled = (long) target * settle;
                        while (sent < total) {
                            if (sent >= settled && measureFrom[0] == Long.MAX_VALUE) {
                                measureFrom[0] = System.currentTimeMillis();
                            }
                            long due = (long) ((System.nanoTime() - begin) / 1e9 * target);
                            while (sent < Math.min(due, total)) {
                                producer.send(new ProducerRecord<>(topic, PaymentEvents.payment(rnd, events + (int) sent, accounts,
                                        System.currentTimeMillis() - 1000)));
                                sent++;
                            }
                            Thread.sleep(1);
                        }
                        producer.flush();
                    }
                    rt.awaitCaughtUp(Duration.ofMinutes(5));
                    Histogram h = freshness.getIntervalHistogram();
                    System.out.printf("FRESHNESS at %,d events/s for %d s after %d s (%,d events): produced->readable p50 %d ms, p99 %d ms,"
                                    + " p99.9 %d ms, max %d ms%n", target, seconds, settle, h.getTotalCount(), h.getValueAtPercentile(50),
                            h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue());
                    FlinkThroughputBench.printFreshness("embedded", target, target, h.getTotalCount(), false, h::getValueAtPercentile, 1.0);
                    if (trace != null) {
                        StringBuilder sb = new StringBuilder("uptime_ms events worst_freshness_ms\n");
                        for (int b = 0; b < traceCount.length; b++) {
                            if (traceCount[b] > 0) {
                                sb.append(b * 10L).append(' ').append(traceCount[b]).append(' ').append(traceMax[b]).append('\n');
                            }
                        }
                        Files.writeString(Path.of(trace), sb);
                    }
                }
            }
        } finally {
            ServingStack.deleteTree(work); // a run leaves gigabytes of broker log and store behind otherwise
        }
    }

    private static int intArg(String[] args, String name, int dflt) {
        String v = stringArg(args, name, null);
        return v == null ? dflt : Integer.parseInt(v.replace("_", ""));
    }

    private static String stringArg(String[] args, String name, String dflt) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return dflt;
    }
}

package dev.tessera.runtime;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoders;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Profiling aid (not a test): the applier and checkpointer alone, without Kafka, over the example
 * definitions and pre-decoded payments. Prints time in apply and in commit per event.
 * Run: {@code mvn -q -pl runtime -am test-compile} then
 * {@code java -cp runtime/target/test-classes:runtime/target/classes:$(cat cp.txt) dev.tessera.runtime.ApplyProfileMain}.
 */
public final class ApplyProfileMain {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int accounts = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        long commitEvery = args.length > 2 ? Long.parseLong(args[2]) : 30_000;
        Path features = Path.of(System.getProperty("features", "examples/commerce"));
        Definitions defs = DefinitionLoader.load(features);
        Source src = defs.source("payments").orElseThrow();
        var layout = dev.tessera.core.event.SourceFields.layout(defs, src);
        SourceRuntime sr = new SourceRuntime(defs, src, EventDecoders.forSource(src, features, layout), layout);
        sr.initPartitions(4, System.currentTimeMillis());
        Path dir = Files.createTempDirectory("profile");
        long[] writeNanos = {0, 0};
        try (TileStore rocks = RocksDbTileStore.open(dir)) {
            TileStore store = new TileStore() {
                public void write(dev.tessera.store.WriteSet w) {
                    long t = System.nanoTime();
                    rocks.write(w);
                    writeNanos[0] += System.nanoTime() - t;
                    writeNanos[1] += w.size();
                }
                public byte[] get(Space space, byte[] key) { return rocks.get(space, key); }
                public void scan(Space space, byte[] prefix, java.util.function.BiConsumer<byte[], byte[]> v) { rocks.scan(space, prefix, v); }
                public long approximateSizeBytes() { return rocks.approximateSizeBytes(); }
                public void close() { }
            };
            Checkpointer cp = new Checkpointer(store, List.of(sr), DeadLetterSink.DISCARD, defs.version());
            Applier applier = new Applier(List.of(sr), new ArrayBlockingQueue<>(1), cp, DeadLetterSink.DISCARD,
                    System::currentTimeMillis, 1000, Integer.MAX_VALUE, RuntimeConfig.AppliedListener.NONE, offsets -> { });
            Random rnd = new Random(1);
            long t0 = System.currentTimeMillis() - 3_600_000L;
            int batchSize = 2000;
            long apply = 0;
            long commit = 0;
            // CPU, robust to other load on the machine: the applier is this thread; a commit is every thread's CPU while it runs
            var threads = java.lang.management.ManagementFactory.getThreadMXBean();
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long applyCpu = 0;
            long commitCpu = 0;
            long sinceCommit = 0;
            for (int b = 0; b < n / batchSize; b++) {
                Batch.Record[] recs = new Batch.Record[batchSize];
                for (int i = 0; i < batchSize; i++) {
                    int k = b * batchSize + i;
                    byte[] v = payment(rnd, k, accounts, t0 + (long) k * 3_600_000L / n);
                    Decoded d = sr.decoder.decode(v);
                    recs[i] = new Batch.Record(k % 4, k / 4, 0, null, v, d);
                }
                long a = System.nanoTime();
                long aCpu = threads.getCurrentThreadCpuTime();
                applier.process(new Batch(sr, recs, batchSize, new long[] {-1, -1, -1, -1}), System.currentTimeMillis());
                applyCpu += threads.getCurrentThreadCpuTime() - aCpu;
                long c = System.nanoTime();
                apply += c - a;
                sinceCommit += batchSize;
                if (sinceCommit >= commitEvery) {
                    long cCpu = os.getProcessCpuTime();
                    applier.commitForProfile();
                    commitCpu += os.getProcessCpuTime() - cCpu;
                    commit += System.nanoTime() - c;
                    sinceCommit = 0;
                }
            }
            System.out.printf("%,d events, %,d accounts: apply %.0f ns/event, commit %.0f ns/event (commit every %,d events) => %,.0f events/s%n",
                    n, accounts, apply / (double) n, commit / (double) n, commitEvery, n / ((apply + commit) / 1e9));
            System.out.printf("CPU: apply %.0f ns/event (applier thread), commit %.0f ns/event (all threads while committing)%n",
                    applyCpu / (double) n, commitCpu / (double) n);
            System.out.printf("of which RocksDB write %.0f ns/event, %,d store ops (%.1f per event)%n", writeNanos[0] / (double) n,
                    writeNanos[1], writeNanos[1] / (double) n);
            printThreadCpu(n);
        }
    }

    /** CPU per event of every thread of this process since it started (see {@link ThreadCpu}). */
    static void printThreadCpu(long events) {
        ThreadCpu.print(java.util.Map.of(), events);
    }

    /** A payment of a cubic-skewed account, as {@code RuntimeThroughputBench} draws them. */
    static byte[] payment(Random rnd, int i, int accounts, long eventTime) {
        int account = (int) Math.floor(Math.pow(rnd.nextDouble(), 3) * accounts);
        return HotPathProfileMain.paymentOf(rnd, i, account, eventTime);
    }
}

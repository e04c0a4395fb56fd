package dev.tessera.runtime;

import dev.tessera.api.DefinitionLoader;
import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoders;
import dev.tessera.store.RocksDbTileStore;
import dev.tessera.store.TileStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Profiling aid (not a test): the per-event CPU cost of the hot path without Kafka — JSON decoding
 * and the applier's {@code process}, batch by batch as the consumer and the applier take turns — in
 * thread CPU time and bytes allocated, so other load on the machine inflates it less than wall
 * time. Payments as {@code RuntimeThroughputBench} produces them (cubic skew over the accounts, one
 * hour of event time, batches of 500 from one partition at a time); commits (freeze on this
 * thread, encode and write on the writer, waited for) every {@code commitEvery} events, not counted
 * in the apply figure. Arguments: events, accounts, commit every, rounds (each on fresh state).
 * Run: {@code mvn -q -pl runtime -am test-compile} then
 * {@code java -cp runtime/target/test-classes:runtime/target/classes:store/target/classes:core/target/classes:bench/target/benchmarks.jar
 * dev.tessera.runtime.HotPathProfileMain 2000000 1000 150000 3}.
 */
public final class HotPathProfileMain {
    private static final String[] COUNTRIES = {"US", "FR", "BR", "IN", "DE", "GB", "NG", "JP"};

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        int accounts = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        long commitEvery = args.length > 2 ? Long.parseLong(args[2]) : 150_000;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        Path features = Path.of("examples/commerce");
        Definitions defs = DefinitionLoader.load(features);
        Source src = defs.source("payments").orElseThrow();
        var layout = dev.tessera.core.event.SourceFields.layout(defs, src);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Random rnd = new Random(1);
        long span = 3_600_000L;
        long t0 = System.currentTimeMillis() - span;
        byte[][] values = new byte[n][];
        for (int i = 0; i < n; i++) {
            int account = (int) Math.floor(Math.pow(rnd.nextDouble(), 3) * accounts);
            values[i] = paymentOf(rnd, i, account, t0 + (long) i * span / n);
        }
        for (int round = 0; round < rounds; round++) {
            SourceRuntime sr = new SourceRuntime(defs, src, EventDecoders.forSource(src, features, layout), layout);
            sr.initPartitions(4, System.currentTimeMillis());
            long decodeNanos = 0;
            long decodeBytes = 0;
            long applyBytes = 0;
            Path dir = Files.createTempDirectory("hotpath");
            try (TileStore store = RocksDbTileStore.open(dir)) {
                Checkpointer cp = new Checkpointer(store, List.of(sr), DeadLetterSink.DISCARD, defs.version());
                Applier applier = new Applier(List.of(sr), new ArrayBlockingQueue<>(1), cp, DeadLetterSink.DISCARD,
                        System::currentTimeMillis, 1000, Integer.MAX_VALUE, RuntimeConfig.AppliedListener.NONE, offsets -> { });
                int batchSize = 500;
                long apply = 0;
                long commit = 0;
                long sinceCommit = 0;
                long[] offsets = new long[4];
                for (int b = 0; b < n / batchSize; b++) {
                    Batch.Record[] recs = new Batch.Record[batchSize];
                    int p = (b / 8) % 4; // the producer's sticky batches land on one partition at a time
                    long d0 = threads.getCurrentThreadCpuTime();
                    long m0 = threads.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < batchSize; i++) {
                        int k = b * batchSize + i;
                        recs[i] = new Batch.Record(p, offsets[p]++, 0, null, values[k], EventRules.decode(sr.decoder, values[k], k));
                    }
                    decodeNanos += threads.getCurrentThreadCpuTime() - d0;
                    decodeBytes += threads.getCurrentThreadAllocatedBytes() - m0;
                    long a = threads.getCurrentThreadCpuTime();
                    long ma = threads.getCurrentThreadAllocatedBytes();
                    applier.process(new Batch(sr, recs, batchSize, new long[] {-1, -1, -1, -1}), System.currentTimeMillis());
                    long c = threads.getCurrentThreadCpuTime();
                    applyBytes += threads.getCurrentThreadAllocatedBytes() - ma;
                    apply += c - a;
                    sinceCommit += batchSize;
                    if (sinceCommit >= commitEvery) {
                        applier.commitForProfile();
                        commit += threads.getCurrentThreadCpuTime() - c;
                        sinceCommit = 0;
                    }
                }
                System.out.printf("round %d: %,d events, %,d accounts: decode %.0f ns/event (%.0f B), apply %.0f ns/event (%.0f B),"
                                + " commit on this thread %.0f ns/event (CPU time); accepted %,d%n", round, n, accounts,
                        decodeNanos / (double) n, decodeBytes / (double) n, apply / (double) n, applyBytes / (double) n,
                        commit / (double) n, sr.counters.snapshot().get("accepted"));
            }
        }
    }

    static byte[] paymentOf(Random rnd, int i, int account, long eventTime) {
        String json = "{\"payment_id\":\"p-" + i + "\",\"account_id\":\"a-" + account + "\",\"card_fingerprint\":\"c-"
                + (account * 3 + rnd.nextInt(3)) + "\",\"merchant_id\":\"m-" + rnd.nextInt(2000) + "\",\"amount\":"
                + (rnd.nextInt(50_000) / 100.0) + ",\"currency\":\"USD\",\"status\":\"" + (rnd.nextInt(10) == 0 ? "DECLINED" : "APPROVED")
                + "\",\"country\":\"" + COUNTRIES[rnd.nextInt(COUNTRIES.length)] + "\",\"device_id\":\"d-" + account
                + "\",\"ip\":\"10.0." + rnd.nextInt(256) + "." + rnd.nextInt(256) + "\",\"event_time\":" + eventTime + "}";
        return json.getBytes(StandardCharsets.UTF_8);
    }
}

package dev.tessera.bench;

import dev.tessera.core.dedup.Deduplicator;

/**
 * What the dedup table holds per remembered id (ADR 032): fills one {@link Deduplicator} with
 * {@code n} ids shaped like the generator's ({@code pay_} and 12 base-36 characters, one per
 * millisecond of event time, the horizon {@code n} ms: sixteen buckets, none expired) and prints the heap retained per id after
 * a full collection, and the time per {@code firstSeen} including making the id's string.
 *
 * <p>{@code java -Xmx3g -cp bench/target/benchmarks.jar dev.tessera.bench.DedupMemoryMain 5000000}
 */
public final class DedupMemoryMain {
    private DedupMemoryMain() {}

    public static void main(String[] args) throws InterruptedException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5_000_000;
        Runtime rt = Runtime.getRuntime();
        long before = usedAfterGc(rt);
        Deduplicator d = new Deduplicator(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            d.firstSeen("pay_" + Long.toString(0x5DEECE66DL * i + 11, 36), 1_700_000_000_000L + i);
        }
        long t1 = System.nanoTime();
        long after = usedAfterGc(rt);
        System.out.printf("%,d ids: %.1f bytes per id retained; %.0f ns per firstSeen (including the id string)%n",
                d.size(), (after - before) / (double) n, (t1 - t0) / (double) n);
    }

    private static long usedAfterGc(Runtime rt) throws InterruptedException {
        System.gc();
        Thread.sleep(200);
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }
}

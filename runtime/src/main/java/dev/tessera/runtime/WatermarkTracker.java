package dev.tessera.runtime;

import java.util.Arrays;

/**
 * The event-time watermark of one source (SPEC §3), as Flink computes it for a Kafka source.
 *
 * <p>Per partition it tracks the greatest event time seen and when (processing time) the partition
 * last delivered data. The source's watermark is the minimum of those maxima over the partitions
 * that delivered data within {@code idleTimeout}, minus {@code lateness}; it never moves back.
 * A partition that lags or catches up keeps delivering data, so it holds the watermark down rather
 * than making the other partitions' events late; a partition that went quiet stops holding it back
 * after the idle timeout. A partition that has not delivered anything yet counts as active (holding
 * the watermark where it is) until it has been silent for the idle timeout since the tracker
 * started: consumers fetch partitions one after another, so at start-up a partition with a backlog
 * may simply not have had its turn yet (Flink treats a new split the same way).
 *
 * <p>An event is late when its time is before the watermark in force when it is processed. The
 * watermark is recomputed by {@link #advance} (the applier calls it once per batch, like Flink's
 * periodic watermark emission), so a batch is judged against the watermark of the batches before it.
 * Consequence used by tests: an event no older than {@code lateness} behind the newest event already
 * seen on its own partition is never late.
 *
 * <p>Not thread-safe: owned by the applier thread.
 */
final class WatermarkTracker {
    static final long NONE = Long.MIN_VALUE;

    private final long latenessMillis;
    private final long idleTimeoutMillis;
    private final long[] maxEventTime;
    private final long[] lastDataAt;
    private long watermark = NONE;

    WatermarkTracker(int partitions, long latenessMillis, long idleTimeoutMillis, long wallNow) {
        this.latenessMillis = latenessMillis;
        this.idleTimeoutMillis = idleTimeoutMillis;
        this.maxEventTime = new long[partitions];
        this.lastDataAt = new long[partitions];
        Arrays.fill(maxEventTime, NONE);
        Arrays.fill(lastDataAt, wallNow);
    }

    /** The watermark in force: events before it are late. {@link #NONE} until a partition has data. */
    long watermark() {
        return watermark;
    }

    /** Records an accepted event of {@code partition}. */
    void observe(int partition, long eventTime, long wallNow) {
        if (eventTime > maxEventTime[partition]) {
            maxEventTime[partition] = eventTime;
        }
        lastDataAt[partition] = wallNow;
    }

    /** Recomputes the watermark from the partitions active at {@code wallNow}; monotone. */
    void advance(long wallNow) {
        watermark = peek(wallNow);
    }

    /** What {@link #advance} at {@code wallNow} would make the watermark, without changing it. */
    long peek(long wallNow) {
        long min = Long.MAX_VALUE;
        boolean any = false;
        for (int p = 0; p < maxEventTime.length; p++) {
            if (wallNow - lastDataAt[p] <= idleTimeoutMillis) {
                if (maxEventTime[p] == NONE) {
                    return watermark; // an active partition that has not spoken yet holds the watermark
                }
                min = Math.min(min, maxEventTime[p]);
                any = true;
            }
        }
        if (any) {
            long candidate = min - latenessMillis;
            if (candidate > min) { // underflow
                candidate = NONE;
            }
            if (candidate > watermark) {
                return candidate;
            }
        }
        return watermark;
    }

    int partitions() {
        return maxEventTime.length;
    }

    long partitionMax(int partition) {
        return maxEventTime[partition];
    }

    /**
     * Restores a committed state. Every partition counts as active from {@code wallNow}, so a
     * restart does not release the watermark before the partitions had a chance to speak again.
     */
    void restore(long committedWatermark, long[] partitionMax, long wallNow) {
        watermark = committedWatermark;
        for (int p = 0; p < Math.min(partitionMax.length, maxEventTime.length); p++) {
            maxEventTime[p] = partitionMax[p];
            lastDataAt[p] = wallNow;
        }
    }

    long[] partitionMaxima() {
        return maxEventTime.clone();
    }

    /** {@link #partitionMaxima} from another thread (diagnosis): a racy copy, each value one the applier wrote. */
    long[] partitionMaximaForReading() {
        return maxEventTime.clone();
    }
}

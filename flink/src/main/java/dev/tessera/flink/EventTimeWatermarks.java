package dev.tessera.flink;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;

/**
 * SPEC §3's watermark for one Kafka partition, emitted in band (ADR 019): the newest event time
 * seen minus the source's lateness, emitted from {@code onEvent} whenever it has moved at least
 * {@code granularityMillis} of event time past the last one emitted. Flink takes the minimum over a
 * source's partitions (and skips idle ones), as the spec does. A periodic generator would emit every
 * 200 ms of processing time, so during a replay its watermark could trail the stream by a hundred
 * thousand events and let through events the embedded runtime drops as late; this one trails by at
 * most the granularity in event time.
 *
 * <p>Flink's watermark W promises no more events at or before W; the spec drops events before
 * {@code max − lateness}; so W = {@code max − lateness − 1}, and the keyed operator treats
 * {@code eventTime <= W} as late. Rejected records carry no event time and move nothing.
 */
final class EventTimeWatermarks implements WatermarkGenerator<SourceRecord> {
    private final long latenessMillis;
    private final long granularityMillis;
    private long newest = Long.MIN_VALUE;
    private long emitted = Long.MIN_VALUE;

    EventTimeWatermarks(long latenessMillis, long granularityMillis) {
        this.latenessMillis = latenessMillis;
        this.granularityMillis = Math.max(1, granularityMillis);
    }

    @Override
    public void onEvent(SourceRecord record, long eventTimestamp, WatermarkOutput output) {
        if (!record.accepted() || record.eventTime <= newest) {
            return;
        }
        newest = record.eventTime;
        long w = newest - latenessMillis - 1;
        if (emitted == Long.MIN_VALUE || w - emitted >= granularityMillis) {
            emitted = w;
            output.emitWatermark(new Watermark(w));
        }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        if (newest != Long.MIN_VALUE) {
            long w = newest - latenessMillis - 1;
            if (w > emitted) {
                emitted = w;
                output.emitWatermark(new Watermark(w));
            }
        }
    }
}

package dev.tessera.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

/**
 * The in-band watermark against the spec's definition computed naively: after every event the
 * emitted watermark is at most the spec's (newest − lateness − 1) and trails it by less than the
 * granularity; it never goes back; rejected records move nothing.
 */
class EventTimeWatermarksTest {
    @Test
    void trailsTheSpecsWatermarkByLessThanTheGranularityAndNeverGoesBack() {
        long lateness = 600_000;
        long granularity = 1_000;
        EventTimeWatermarks gen = new EventTimeWatermarks(lateness, granularity);
        Recorder out = new Recorder();
        Random random = new Random(9);
        long t = 1_700_000_000_000L;
        long newest = Long.MIN_VALUE;
        for (int i = 0; i < 20_000; i++) {
            t += random.nextInt(300) - 100; // mostly forward, some disorder
            SourceRecord r = new SourceRecord();
            if (i % 13 == 0) {
                r.rejectReason = "malformed";
            } else {
                r.eventTime = t;
                newest = Math.max(newest, t);
            }
            gen.onEvent(r, r.accepted() ? t : Long.MIN_VALUE, out);
            if (newest == Long.MIN_VALUE) {
                assertThat(out.emitted).isEmpty();
                continue;
            }
            long spec = newest - lateness - 1;
            assertThat(out.last()).as("event %d", i).isLessThanOrEqualTo(spec).isGreaterThan(spec - granularity);
        }
        for (int i = 1; i < out.emitted.size(); i++) {
            assertThat(out.emitted.get(i)).isGreaterThan(out.emitted.get(i - 1));
        }
        gen.onPeriodicEmit(out);
        assertThat(out.last()).as("a periodic emit catches up exactly").isEqualTo(newest - lateness - 1);
        assertThat(out.emitted.size()).as("far fewer watermarks than events").isLessThan(20_000 / 5);
    }

    @Test
    void rejectedRecordsAloneEmitNothing() {
        EventTimeWatermarks gen = new EventTimeWatermarks(1_000, 1_000);
        Recorder out = new Recorder();
        SourceRecord r = new SourceRecord();
        r.rejectReason = "bad_timestamp";
        gen.onEvent(r, Long.MIN_VALUE, out);
        gen.onPeriodicEmit(out);
        assertThat(out.emitted).isEmpty();
    }

    private static final class Recorder implements WatermarkOutput {
        final List<Long> emitted = new ArrayList<>();

        long last() {
            return emitted.get(emitted.size() - 1);
        }

        @Override
        public void emitWatermark(Watermark watermark) {
            emitted.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {}

        @Override
        public void markActive() {}
    }
}

package dev.tessera.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EventTimesTest {
    @Test
    void readsEpochMillisAndIso8601() {
        assertThat(EventTimes.toEpochMillis(1_700_000_000_000L)).isEqualTo(1_700_000_000_000L);
        assertThat(EventTimes.toEpochMillis(1.7e12)).isEqualTo(1_700_000_000_000L);
        assertThat(EventTimes.toEpochMillis(" 1700000000000 ")).isEqualTo(1_700_000_000_000L);
        assertThat(EventTimes.toEpochMillis("1970-01-01T00:00:01Z")).isEqualTo(1000);
        assertThat(EventTimes.toEpochMillis("1970-01-01T05:30:01+05:30")).isEqualTo(1000);
        assertThat(EventTimes.toEpochMillis("1970-01-01T00:00:01")).as("no zone: UTC").isEqualTo(1000);
        assertThat(EventTimes.toEpochMillis("+292278994-08-17T07:12:55.807Z")).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void timesBeyondTheEpochMillisRangeAreBadTimestampsNotArithmeticErrors() {
        for (String s : new String[] {"+999999999-12-31T23:59:59Z", "-999999999-01-01T00:00:00Z",
                "+292278994-08-17T07:12:55.808Z", "+999999999-12-31T23:59:59+01:00", "+999999999-12-31T23:59:59"}) {
            assertThatThrownBy(() -> EventTimes.toEpochMillis(s)).as(s).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is out of range");
        }
        assertThatThrownBy(() -> EventTimes.toEpochMillis("yesterday")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not ISO-8601");
        assertThatThrownBy(() -> EventTimes.toEpochMillis(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EventTimes.toEpochMillis(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing");
    }
}

package dev.tessera.bench;

import dev.tessera.api.Aggregation;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Location;
import dev.tessera.api.Meta;
import dev.tessera.api.TimeSpan;
import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.event.FieldLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Feature groups and event streams shared by the micro-benchmarks. */
final class BenchGroups {
    static final FieldLayout LAYOUT = FieldLayout.of("amount", "status", "card", "merchant");
    static final long T0 = 1_764_000_000_000L;

    private BenchGroups() {}

    static Feature feature(String name, Aggregation agg, String of, String where, String... windows) {
        List<TimeSpan> w = new ArrayList<>();
        for (String s : windows) {
            w.add(TimeSpan.parse(s));
        }
        return new Feature(name, agg, of, where, w, null, agg == Aggregation.TOP_K || agg == Aggregation.LAST_K ? 5 : 0,
                agg == Aggregation.APPROX_PERCENTILE ? 0.95 : Double.NaN, Meta.at(Location.UNKNOWN));
    }

    static FeatureGroup group(Feature... features) {
        return new FeatureGroup("bench", "payments", "account", List.of(features), Meta.at(Location.UNKNOWN));
    }

    /** One count and one sum over one window: every event is exactly two tile updates. */
    static FeatureGroup countAndSum() {
        return group(feature("payment_count", Aggregation.COUNT, null, null, "1h"),
                feature("amount_sum", Aggregation.SUM, "amount", null, "1h"));
    }

    /**
     * Ten served features of simple aggregations over windows of 10m to 7d (hops 10s, 5m, 1h) and a
     * lifetime feature: the read benchmark's group.
     */
    static FeatureGroup tenFeatures() {
        return group(
                feature("payment_count", Aggregation.COUNT, null, null, "10m", "1h", "1d", "7d"),
                feature("declined_count", Aggregation.COUNT, null, "status == 'DECLINED'", "1h", "1d"),
                feature("amount_sum", Aggregation.SUM, "amount", null, "1h", "1d"),
                feature("amount_max", Aggregation.MAX, "amount", null, "1d"),
                feature("last_amount", Aggregation.LAST, "amount", null));
    }

    /** Events for one entity: one every {@code spacingMillis}, ending just before T0, time-ordered. */
    static ArrayEvent[] events(int n, long spacingMillis, long[] timesOut, long seed) {
        Random rnd = new Random(seed);
        ArrayEvent[] events = new ArrayEvent[n];
        for (int i = 0; i < n; i++) {
            timesOut[i] = T0 - (long) (n - i) * spacingMillis;
            events[i] = new ArrayEvent(new Object[] {
                (long) rnd.nextInt(50_000), rnd.nextInt(10) == 0 ? "DECLINED" : "APPROVED",
                "card-" + rnd.nextInt(20), "m" + rnd.nextInt(50)});
        }
        return events;
    }
}

package dev.tessera.serving;

import dev.tessera.runtime.StreamRuntime;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The runtime's figures as Prometheus metrics (SPEC §8), read at scrape time:
 * <ul>
 *   <li>{@code tessera_source_events_total{source, outcome}}: in, accepted, late, future,
 *       duplicate, malformed, ...;</li>
 *   <li>{@code tessera_source_freshness_seconds{source}}: now minus the newest applied event time;</li>
 *   <li>{@code tessera_source_lag_records{source}}: consumer lag, summed over partitions;</li>
 *   <li>{@code tessera_source_broker_silence_seconds{source}}: how long the consumer has polled
 *       without the broker answering a fetch (a healthy broker answers within 0.5 s; NaN when the
 *       client does not report it);</li>
 *   <li>{@code tessera_source_watermark_seconds{source}}: the watermark (epoch seconds; events
 *       before it are late);</li>
 *   <li>{@code tessera_group_entities{group}}, {@code tessera_group_tiles{group}}: state held;</li>
 *   <li>{@code tessera_group_missing_key_total{group}}: events a group could not key;</li>
 *   <li>{@code tessera_store_size_bytes}, {@code tessera_runtime_up};</li>
 *   <li>JVM and process metrics (Micrometer's binders).</li>
 * </ul>
 * {@code deploy/grafana/tessera.json} is a dashboard of these (a test checks that it names only
 * metrics a scrape returns).
 */
public final class RuntimeMetrics {
    private RuntimeMetrics() {
    }

    public static void bind(MeterRegistry registry, StreamRuntime runtime, LongSupplier clock) {
        for (String source : runtime.sources()) {
            Map<String, Long> outcomes = runtime.counters(source);
            for (String outcome : outcomes.keySet()) {
                FunctionCounter.builder("tessera.source.events", runtime, rt -> rt.counters(source).getOrDefault(outcome, 0L))
                        .description("Events read from the source, by outcome")
                        .tag("source", source)
                        .tag("outcome", outcome)
                        .register(registry);
            }
            Gauge.builder("tessera.source.freshness", runtime, rt -> freshnessSeconds(rt.newestEventTime(source), clock))
                    .description("Now minus the event time of the newest applied event")
                    .baseUnit("seconds")
                    .tag("source", source)
                    .register(registry);
        }
        for (String source : runtime.sources()) {
            Gauge.builder("tessera.source.lag", runtime, rt -> {
                        long lag = rt.lag(source);
                        return lag < 0 ? Double.NaN : lag;
                    })
                    .description("Records in the source's topic not consumed yet (end offset minus position, summed over partitions)")
                    .baseUnit("records")
                    .tag("source", source)
                    .register(registry);
            Gauge.builder("tessera.source.broker.silence", runtime, rt -> {
                        long silence = rt.brokerSilenceMillis(source);
                        return silence < 0 ? Double.NaN : silence / 1000.0;
                    })
                    .description("How long the source's consumer has polled without the broker answering a fetch: a broker outage,"
                            + " where lag and arrivals merely stand still")
                    .baseUnit("seconds")
                    .tag("source", source)
                    .register(registry);
            Gauge.builder("tessera.source.watermark", runtime, rt -> {
                        long w = rt.watermark(source);
                        return w == Long.MIN_VALUE ? Double.NaN : w / 1000.0;
                    })
                    .description("The source's watermark as epoch seconds: events before it are late")
                    .baseUnit("seconds")
                    .tag("source", source)
                    .register(registry);
        }
        for (String group : runtime.groups()) {
            Gauge.builder("tessera.group.entities", runtime, rt -> rt.entities(group))
                    .description("Entities of the group with state")
                    .tag("group", group)
                    .register(registry);
            Gauge.builder("tessera.group.tiles", runtime, rt -> rt.tiles(group))
                    .description("Tiles held by the group's entities")
                    .tag("group", group)
                    .register(registry);
            FunctionCounter.builder("tessera.group.missing.key", runtime, rt -> rt.missingKeys(group))
                    .description("Events of the group's source it could not key (a key field was missing)")
                    .tag("group", group)
                    .register(registry);
        }
        Gauge.builder("tessera.store.size", runtime, StreamRuntime::storeSizeBytes)
                .description("Approximate size of the online store")
                .baseUnit("bytes")
                .register(registry);
        Gauge.builder("tessera.runtime.up", runtime, rt -> rt.failure() == null ? 1 : 0)
                .description("1 while the stream runtime runs, 0 after it failed")
                .register(registry);
        bindProcess(registry);
    }

    /** Now minus {@code newest} in seconds; NaN before any event ({@code Long.MIN_VALUE}). */
    static double freshnessSeconds(long newest, LongSupplier clock) {
        return newest == Long.MIN_VALUE ? Double.NaN : Math.max(0, clock.getAsLong() - newest) / 1000.0;
    }

    /** JVM and process metrics (Micrometer's binders): every node has them. */
    static void bindProcess(MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }
}

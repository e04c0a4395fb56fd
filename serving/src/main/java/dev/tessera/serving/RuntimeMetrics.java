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
 * {@code tessera_source_events_total{source, outcome}} (in, accepted, late, future, duplicate,
 * malformed, ...), {@code tessera_source_freshness_seconds{source}} (now minus the newest applied
 * event time), {@code tessera_runtime_up}, plus JVM and process metrics.
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
            Gauge.builder("tessera.source.freshness", runtime, rt -> {
                        long newest = rt.newestEventTime(source);
                        return newest == Long.MIN_VALUE ? Double.NaN : Math.max(0, clock.getAsLong() - newest) / 1000.0;
                    })
                    .description("Now minus the event time of the newest applied event")
                    .baseUnit("seconds")
                    .tag("source", source)
                    .register(registry);
        }
        Gauge.builder("tessera.runtime.up", runtime, rt -> rt.failure() == null ? 1 : 0)
                .description("1 while the stream runtime runs, 0 after it failed")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }
}

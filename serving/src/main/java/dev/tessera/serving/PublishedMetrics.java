package dev.tessera.serving;

import dev.tessera.runtime.SourceCounters;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.LongSupplier;

/**
 * A serving node's view of the writer's figures as Prometheus metrics, read at scrape time from what the
 * writer publishes to the store ({@link PublishedSignals}: the Flink job's subtasks, or a runtime writing to
 * Redis; ADR 030):
 * <ul>
 *   <li>{@code tessera_job_source_events_total{source, outcome}}: in, accepted, late, duplicate, malformed, ...
 *       summed over the writer's subtasks;</li>
 *   <li>{@code tessera_job_source_freshness_seconds{source}}: now minus the newest event time the writer
 *       committed;</li>
 *   <li>JVM and process metrics, as on a runtime node.</li>
 * </ul>
 * Named apart from a runtime node's {@code tessera_source_*}: every serving node over the same store exports
 * the same job's counts, so aggregate them with {@code max by (source, outcome)}, never {@code sum}. Lag stays
 * the job's own metric (Flink's {@code records-lag-max}).
 */
public final class PublishedMetrics {
    private PublishedMetrics() {
    }

    public static void bind(MeterRegistry registry, SourceSignals signals, LongSupplier clock) {
        for (String source : signals.sources()) {
            for (SourceCounters.Outcome outcome : SourceCounters.Outcome.values()) {
                FunctionCounter.builder("tessera.job.source.events", signals, s -> {
                            s.refresh(); // reads the store at most once a second, whatever the number of meters
                            return s.counters(source).getOrDefault(outcome.code(), 0L);
                        })
                        .description("Events the writer (the Flink job) read from the source, by outcome, as it published them")
                        .tag("source", source)
                        .tag("outcome", outcome.code())
                        .register(registry);
            }
            Gauge.builder("tessera.job.source.freshness", signals, s -> {
                        s.refresh();
                        return RuntimeMetrics.freshnessSeconds(s.newestEventTime(source), clock);
                    })
                    .description("Now minus the event time of the newest event the writer committed")
                    .baseUnit("seconds")
                    .tag("source", source)
                    .register(registry);
        }
        RuntimeMetrics.bindProcess(registry);
    }
}

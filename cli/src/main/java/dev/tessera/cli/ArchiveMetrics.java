package dev.tessera.cli;

import dev.tessera.offline.archive.Archiver;
import dev.tessera.offline.archive.Archivers;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The archive's figures as Prometheus metrics, read at scrape time, per source:
 * {@code tessera_archive_events_total} (rows committed), {@code tessera_archive_files_total}
 * (Parquet files committed), {@code tessera_archive_last_commit_seconds} (epoch seconds of the
 * last commit that wrote something; alert on its age), and {@code tessera_archive_up}. Counted
 * since the process started. Bound here, not in serving, which does not know the offline module.
 */
final class ArchiveMetrics {
    private ArchiveMetrics() {
    }

    static void bind(MeterRegistry registry, Archivers archivers) {
        for (Archiver a : archivers.all()) {
            FunctionCounter.builder("tessera.archive.events", a, Archiver::rowsCommitted)
                    .description("Events committed to the archive").tag("source", a.source()).register(registry);
            FunctionCounter.builder("tessera.archive.files", a, Archiver::filesCommitted)
                    .description("Parquet files committed to the archive").tag("source", a.source()).register(registry);
            Gauge.builder("tessera.archive.last.commit", a,
                            x -> x.lastCommitAt() == Long.MIN_VALUE ? Double.NaN : x.lastCommitAt() / 1000.0)
                    .description("Wall-clock time of the archive's last commit that wrote something")
                    .baseUnit("seconds").tag("source", a.source()).register(registry);
            Gauge.builder("tessera.archive.up", a, x -> x.failure() == null ? 1 : 0)
                    .description("1 while the source's archiver runs, 0 after it failed").tag("source", a.source())
                    .register(registry);
        }
    }
}

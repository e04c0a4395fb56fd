package dev.tessera.offline.archive;

import dev.tessera.runtime.decode.EventDecoders;
import dev.tessera.schemas.SchemaRegistry;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Settings of the event archive.
 *
 * @param bootstrapServers Kafka to read the sources' topics from
 * @param commitInterval   how often files are committed (made visible): the archive's delay, and the
 *                         size of its files (one per partition and event hour per commit)
 * @param maxRowsPerCommit commit early past this many rows since the last commit (bounds memory)
 * @param maxOpenFiles     commit early rather than open more files than this (late or scattered
 *                         event times open one file per partition and hour; bounds memory)
 * @param rowGroupBytes    Parquet row group size: what one open file buffers at most
 * @param maxPollRecords   records per Kafka poll
 * @param maxRecordBytes   larger records are not archived ({@code too_large}); keep it equal to the
 *                         stream runtime's, so both reject the same records
 * @param clock            wall clock in epoch millis, for the {@code future} rule (tests may fix it)
 */
public record ArchiveConfig(
        String bootstrapServers,
        Duration commitInterval,
        int maxRowsPerCommit,
        int maxOpenFiles,
        long rowGroupBytes,
        int maxPollRecords,
        int maxRecordBytes,
        LongSupplier clock,
        SchemaRegistry schemaRegistry) {

    public ArchiveConfig {
        if (commitInterval.isNegative() || commitInterval.isZero()) {
            throw new IllegalArgumentException("archive commit interval must be positive, got " + commitInterval);
        }
        if (maxRowsPerCommit < 1 || maxOpenFiles < 1 || rowGroupBytes < 1 || maxPollRecords < 1) {
            throw new IllegalArgumentException("archive bounds must be positive: maxRowsPerCommit " + maxRowsPerCommit
                    + ", maxOpenFiles " + maxOpenFiles + ", rowGroupBytes " + rowGroupBytes + ", maxPollRecords " + maxPollRecords);
        }
    }

    /** 60 s commits, at most 200,000 rows and 32 open files per commit, 16 MiB row groups. */
    public static ArchiveConfig defaults(String bootstrapServers) {
        return new ArchiveConfig(bootstrapServers, Duration.ofSeconds(60), 200_000, 32, 16L << 20, 2_000,
                EventDecoders.DEFAULT_MAX_RECORD_BYTES, System::currentTimeMillis, null);
    }

    public ArchiveConfig withCommitInterval(Duration d) {
        return new ArchiveConfig(bootstrapServers, d, maxRowsPerCommit, maxOpenFiles, rowGroupBytes, maxPollRecords,
                maxRecordBytes, clock, schemaRegistry);
    }

    public ArchiveConfig withBounds(int maxRows, int maxFiles) {
        return new ArchiveConfig(bootstrapServers, commitInterval, maxRows, maxFiles, rowGroupBytes, maxPollRecords,
                maxRecordBytes, clock, schemaRegistry);
    }

    public ArchiveConfig withMaxRecordBytes(int bytes) {
        return new ArchiveConfig(bootstrapServers, commitInterval, maxRowsPerCommit, maxOpenFiles, rowGroupBytes,
                maxPollRecords, bytes, clock, schemaRegistry);
    }

    public ArchiveConfig withClock(LongSupplier c) {
        return new ArchiveConfig(bootstrapServers, commitInterval, maxRowsPerCommit, maxOpenFiles, rowGroupBytes,
                maxPollRecords, maxRecordBytes, c, schemaRegistry);
    }

    /** Where avro-confluent sources find their writer schemas (null when none needs one). */
    public ArchiveConfig withSchemaRegistry(SchemaRegistry registry) {
        return new ArchiveConfig(bootstrapServers, commitInterval, maxRowsPerCommit, maxOpenFiles, rowGroupBytes,
                maxPollRecords, maxRecordBytes, clock, registry);
    }
}

package dev.tessera.runtime;

import dev.tessera.schemas.SchemaRegistry;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Settings of the embedded stream runtime.
 *
 * @param bootstrapServers   Kafka to consume from (and to write dead letters to)
 * @param commitInterval     how often state and offsets are committed: a checkpoint interval. It
 *                           bounds how much a restart re-reads from Kafka, not the freshness of
 *                           served values (those are live). Each commit rewrites every tile changed
 *                           since the last, so longer intervals write less (see bench/RESULTS.md)
 * @param maxRecordsPerCommit commit early when this many records arrived since the last commit
 * @param queueCapacity      decoded batches buffered between consumers and the applier
 * @param maxPollRecords     records per poll (and per batch)
 * @param maxRecordBytes     larger records are dead-lettered as {@code too_large}
 * @param deadLetters        write rejected records to {@code <topic>.dlq} (else count only)
 * @param clock              wall clock in epoch millis (tests may fix it)
 * @param appliedListener    told about every applied event (freshness measurement); never null
 * @param schemaRegistry     where {@code avro-confluent} sources find their writer schemas (cached
 *                           by the runtime); null when no source needs one
 * @param tracing            where batch and apply spans go (ADR 024); null: tracing off, and record
 *                           headers are never read
 */
public record RuntimeConfig(
        String bootstrapServers,
        Duration commitInterval,
        int maxRecordsPerCommit,
        int queueCapacity,
        int maxPollRecords,
        int maxRecordBytes,
        boolean deadLetters,
        LongSupplier clock,
        AppliedListener appliedListener,
        SchemaRegistry schemaRegistry,
        io.opentelemetry.api.OpenTelemetry tracing) {

    /** Sees each accepted event once it is applied, i.e. readable. Called on the applier thread: keep it cheap. */
    @FunctionalInterface
    public interface AppliedListener {
        /** @param producedAt the record's Kafka timestamp; @param appliedAt the wall clock after applying */
        void applied(String source, long producedAt, long appliedAt);

        AppliedListener NONE = (source, producedAt, appliedAt) -> { };
    }

    /** Settings without tracing. */
    public RuntimeConfig(String bootstrapServers, Duration commitInterval, int maxRecordsPerCommit, int queueCapacity,
                         int maxPollRecords, int maxRecordBytes, boolean deadLetters, LongSupplier clock,
                         AppliedListener appliedListener, SchemaRegistry schemaRegistry) {
        this(bootstrapServers, commitInterval, maxRecordsPerCommit, queueCapacity, maxPollRecords, maxRecordBytes,
                deadLetters, clock, appliedListener, schemaRegistry, null);
    }

    public RuntimeConfig(String bootstrapServers, Duration commitInterval, int maxRecordsPerCommit, int queueCapacity,
                         int maxPollRecords, int maxRecordBytes, boolean deadLetters, LongSupplier clock) {
        this(bootstrapServers, commitInterval, maxRecordsPerCommit, queueCapacity, maxPollRecords, maxRecordBytes,
                deadLetters, clock, AppliedListener.NONE, null);
    }

    public static RuntimeConfig defaults(String bootstrapServers) {
        return new RuntimeConfig(bootstrapServers, Duration.ofSeconds(1), 1_000_000, 16, 2_000, 1 << 20, true,
                System::currentTimeMillis);
    }

    public RuntimeConfig withCommitInterval(Duration d) {
        return new RuntimeConfig(bootstrapServers, d, maxRecordsPerCommit, queueCapacity, maxPollRecords, maxRecordBytes,
                deadLetters, clock, appliedListener, schemaRegistry, tracing);
    }

    public RuntimeConfig withClock(LongSupplier c) {
        return new RuntimeConfig(bootstrapServers, commitInterval, maxRecordsPerCommit, queueCapacity, maxPollRecords,
                maxRecordBytes, deadLetters, c, appliedListener, schemaRegistry, tracing);
    }

    public RuntimeConfig withDeadLetters(boolean on) {
        return new RuntimeConfig(bootstrapServers, commitInterval, maxRecordsPerCommit, queueCapacity, maxPollRecords,
                maxRecordBytes, on, clock, appliedListener, schemaRegistry, tracing);
    }

    public RuntimeConfig withMaxPollRecords(int n) {
        return new RuntimeConfig(bootstrapServers, commitInterval, maxRecordsPerCommit, queueCapacity, n, maxRecordBytes,
                deadLetters, clock, appliedListener, schemaRegistry, tracing);
    }

    public RuntimeConfig withAppliedListener(AppliedListener listener) {
        return new RuntimeConfig(bootstrapServers, commitInterval, maxRecordsPerCommit, queueCapacity, maxPollRecords,
                maxRecordBytes, deadLetters, clock, listener, schemaRegistry, tracing);
    }

    public RuntimeConfig withSchemaRegistry(SchemaRegistry registry) {
        return new RuntimeConfig(bootstrapServers, commitInterval, maxRecordsPerCommit, queueCapacity, maxPollRecords,
                maxRecordBytes, deadLetters, clock, appliedListener, registry, tracing);
    }

    /** Traces applied batches and pushed records with {@code otel} (ADR 024); null turns tracing off. */
    public RuntimeConfig withTracing(io.opentelemetry.api.OpenTelemetry otel) {
        return new RuntimeConfig(bootstrapServers, commitInterval, maxRecordsPerCommit, queueCapacity, maxPollRecords,
                maxRecordBytes, deadLetters, clock, appliedListener, schemaRegistry, otel);
    }
}

package dev.tessera.runtime;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Settings of the embedded stream runtime.
 *
 * @param bootstrapServers   Kafka to consume from (and to write dead letters to)
 * @param commitInterval     how often state and offsets are committed (freshness of the store on
 *                           restart, not of served values: those are live)
 * @param maxRecordsPerCommit commit early when this many records arrived since the last commit
 * @param queueCapacity      decoded batches buffered between consumers and the applier
 * @param maxPollRecords     records per poll (and per batch)
 * @param maxRecordBytes     larger records are dead-lettered as {@code too_large}
 * @param deadLetters        write rejected records to {@code <topic>.dlq} (else count only)
 * @param clock              wall clock in epoch millis (tests may fix it)
 */
public record RuntimeConfig(
        String bootstrapServers,
        Duration commitInterval,
        int maxRecordsPerCommit,
        int queueCapacity,
        int maxPollRecords,
        int maxRecordBytes,
        boolean deadLetters,
        LongSupplier clock) {

    public static RuntimeConfig defaults(String bootstrapServers) {
        return new RuntimeConfig(bootstrapServers, Duration.ofMillis(200), 500_000, 16, 2_000, 1 << 20, true,
                System::currentTimeMillis);
    }

    public RuntimeConfig withCommitInterval(Duration d) {
        return new RuntimeConfig(bootstrapServers, d, maxRecordsPerCommit, queueCapacity, maxPollRecords, maxRecordBytes,
                deadLetters, clock);
    }

    public RuntimeConfig withClock(LongSupplier c) {
        return new RuntimeConfig(bootstrapServers, commitInterval, maxRecordsPerCommit, queueCapacity, maxPollRecords,
                maxRecordBytes, deadLetters, c);
    }

    public RuntimeConfig withDeadLetters(boolean on) {
        return new RuntimeConfig(bootstrapServers, commitInterval, maxRecordsPerCommit, queueCapacity, maxPollRecords,
                maxRecordBytes, on, clock);
    }
}

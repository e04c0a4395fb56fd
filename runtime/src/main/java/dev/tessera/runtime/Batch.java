package dev.tessera.runtime;

import dev.tessera.runtime.decode.Decoded;

/**
 * Records of one source, polled and decoded by its consumer thread, in partition order, handed to
 * the applier through a bounded queue (the backpressure point: a full queue stops polling).
 * {@code positions} are the consumer's positions after the poll, per partition (-1: unknown): they
 * move past transaction markers and aborted records, which never appear as records.
 */
record Batch(SourceRuntime source, Record[] records, int size, long[] positions) {
    /**
     * One consumed record: where it came from, its Kafka timestamp (when it was produced, for
     * freshness), its raw bytes (for dead letters), what decoding made of it, and the trace context its
     * headers carry (null unless tracing is on and the producer wrote one: {@link RecordTracing}).
     */
    record Record(int partition, long offset, long timestamp, byte[] key, byte[] value, Decoded decoded,
                  io.opentelemetry.api.trace.SpanContext trace) {
        /** A record without a trace context (tracing off, or none in its headers). */
        Record(int partition, long offset, long timestamp, byte[] key, byte[] value, Decoded decoded) {
            this(partition, offset, timestamp, key, value, decoded, null);
        }
    }
}

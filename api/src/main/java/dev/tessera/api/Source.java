package dev.tessera.api;

/**
 * A stream of events on a Kafka topic (SPEC §2, §3).
 *
 * @param schema        path of the Avro schema file relative to the definitions folder, or null
 * @param timestamp     field holding event time (epoch millis or ISO-8601 string)
 * @param id            idempotency key field, or null when the source has none
 * @param lateness      grace period for out-of-order events
 * @param idleTimeout   a partition silent this long stops holding the watermark back
 * @param dedupHorizon  how long an applied id is remembered (at least {@code lateness})
 * @param maxClockSkew  events further than this into the future are rejected
 */
public record Source(
        String name,
        String topic,
        SourceFormat format,
        String schema,
        String timestamp,
        String id,
        TimeSpan lateness,
        TimeSpan idleTimeout,
        TimeSpan dedupHorizon,
        TimeSpan maxClockSkew,
        Meta meta) {
    public static final TimeSpan DEFAULT_LATENESS = TimeSpan.parse("10m");
    public static final TimeSpan DEFAULT_IDLE_TIMEOUT = TimeSpan.parse("1m");
    public static final TimeSpan DEFAULT_MAX_CLOCK_SKEW = TimeSpan.parse("5m");
}

package dev.tessera.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A stream of events on a Kafka topic (SPEC §2, §3).
 *
 * @param schema        path of the Avro schema file relative to the definitions folder, or null
 * @param fields        the fields a JSON source declares, with their types, in declaration order;
 *                      empty when it declares none (then fields are checked per event only)
 * @param timestamp     field holding event time (epoch millis or ISO-8601 string)
 * @param id            idempotency key field, or null when the source has none
 * @param lateness      grace period for out-of-order events
 * @param idleTimeout   a partition silent this long stops holding the watermark back
 * @param dedupHorizon  how long an applied id is remembered (at least {@code lateness})
 * @param maxClockSkew  events further than this into the future are rejected
 * @param expectations  data-quality rules by field ({@code expect:}), in file order; empty for none
 * @param alerts        when the source's freshness, lag or reject rate raises an alert
 */
public record Source(
        String name,
        String topic,
        SourceFormat format,
        String schema,
        Map<String, FieldType> fields,
        String timestamp,
        String id,
        TimeSpan lateness,
        TimeSpan idleTimeout,
        TimeSpan dedupHorizon,
        TimeSpan maxClockSkew,
        Meta meta,
        Map<String, Expectation> expectations,
        AlertThresholds alerts) {
    public static final TimeSpan DEFAULT_LATENESS = TimeSpan.parse("10m");
    public static final TimeSpan DEFAULT_IDLE_TIMEOUT = TimeSpan.parse("1m");
    public static final TimeSpan DEFAULT_MAX_CLOCK_SKEW = TimeSpan.parse("5m");

    public Source {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        expectations = Collections.unmodifiableMap(new LinkedHashMap<>(expectations));
        alerts = alerts == null ? AlertThresholds.DEFAULTS : alerts;
    }

    /** A source without quality rules and with the default alert thresholds. */
    public Source(String name, String topic, SourceFormat format, String schema, Map<String, FieldType> fields,
                  String timestamp, String id, TimeSpan lateness, TimeSpan idleTimeout, TimeSpan dedupHorizon,
                  TimeSpan maxClockSkew, Meta meta) {
        this(name, topic, format, schema, fields, timestamp, id, lateness, idleTimeout, dedupHorizon, maxClockSkew, meta,
                Map.of(), AlertThresholds.DEFAULTS);
    }

    /** The Confluent Schema Registry subject of the topic's values (the default TopicNameStrategy). */
    public String valueSubject() {
        return topic + "-value";
    }
}

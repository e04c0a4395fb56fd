package dev.tessera.flink;

import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.runtime.DeadLetterRecords;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The job's input half (ADR 019): for every source of the definitions a {@link KafkaSource} that
 * decodes in the reader ({@link SourceRecordDeserializer}), in-band event-time watermarks
 * ({@link EventTimeWatermarks}, idle partitions skipped after the source's idle timeout), the
 * fan-out to (group, entity) events, and the rejected records to {@code <topic>.dlq} in the
 * embedded runtime's format ({@link DeadLetterRecords}).
 */
public final class SourceSide {
    /** Event time a watermark must move before it is emitted (ADR 019). */
    public static final long DEFAULT_WATERMARK_GRANULARITY_MILLIS = 1_000;

    private SourceSide() {}

    /** The sink of every dead letter the job writes: {@code <topic>.dlq}, in the embedded runtime's format. */
    public static KafkaSink<SourceRecord> deadLetterSink(String bootstrapServers) {
        return KafkaSink.<SourceRecord>builder()
                .setBootstrapServers(bootstrapServers)
                .setRecordSerializer((KafkaRecordSerializationSchema<SourceRecord>) (r, context, timestamp) ->
                        DeadLetterRecords.of(r.topic, r.partition, r.offset, r.key, r.value, r.rejectReason, r.rejectMessage))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    /**
     * Adds every source that feeds a feature group to {@code env}, its rejected records to
     * {@code deadLetters}, and returns its accepted events, once per group each feeds, by source.
     *
     * @param bounded read up to the end offsets at start, then finish (tests, backfills); else run forever
     */
    public static Map<Source, DataStream<KeyedEvent>> bySource(StreamExecutionEnvironment env, DefinitionBundle bundle,
                                                               FlinkJobOptions o, KafkaSink<SourceRecord> deadLetters) {
        Definitions defs = bundle.definitions();
        long watermarkGranularityMillis = o.watermarkGranularityMillis();
        Map<Source, DataStream<KeyedEvent>> out = new LinkedHashMap<>();
        for (Source source : defs.sources().values()) {
            if (defs.groupsOf(source).isEmpty()) {
                continue;
            }
            KafkaSourceBuilder<SourceRecord> builder = KafkaSource.<SourceRecord>builder()
                    .setBootstrapServers(o.bootstrapServers)
                    .setTopics(source.topic())
                    .setGroupId(o.consumerGroup)
                    .setStartingOffsets(OffsetsInitializer.committedOffsets(
                            org.apache.kafka.clients.consumer.OffsetResetStrategy.EARLIEST))
                    .setDeserializer(new SourceRecordDeserializer(bundle, source.name(), o.maxRecordBytes, o.tracingConfig()));
            if (o.bounded) {
                builder.setBounded(OffsetsInitializer.latest());
            }
            long lateness = source.lateness().millis();
            WatermarkStrategy<SourceRecord> watermarks = WatermarkStrategy
                    .<SourceRecord>forGenerator(ctx -> new EventTimeWatermarks(lateness, watermarkGranularityMillis))
                    .withTimestampAssigner((r, ts) -> r.accepted() ? r.eventTime : Long.MIN_VALUE)
                    .withIdleness(Duration.ofMillis(source.idleTimeout().millis()));
            SingleOutputStreamOperator<KeyedEvent> events = env
                    .fromSource(builder.build(), watermarks, "kafka: " + source.topic())
                    .uid("source-" + source.name())
                    .process(new FanOut(bundle, source.name(), o.redis == null || o.redis.isEmpty() ? null : RedisAddress.of(o)))
                    .uid("fan-out-" + source.name())
                    .name("decode and fan out: " + source.name());
            events.getSideOutput(FanOut.DEAD_LETTERS).sinkTo(deadLetters).uid("dlq-" + source.name())
                    .name("dead letters: " + source.topic() + DeadLetterRecords.SUFFIX);
            out.put(source, events);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("the definitions have no source that feeds a feature group: nothing to run");
        }
        return out;
    }

    /** {@link #bySource}, all sources in one stream (tests of the input half). */
    public static DataStream<KeyedEvent> build(StreamExecutionEnvironment env, DefinitionBundle bundle, String bootstrapServers,
                                               String consumerGroup, boolean bounded, long watermarkGranularityMillis) {
        FlinkJobOptions o = new FlinkJobOptions();
        o.bootstrapServers = bootstrapServers;
        o.consumerGroup = consumerGroup;
        o.bounded = bounded;
        o.watermarkGranularity = watermarkGranularityMillis + "ms";
        DataStream<KeyedEvent> all = null;
        for (DataStream<KeyedEvent> events : bySource(env, bundle, o, deadLetterSink(bootstrapServers)).values()) {
            all = all == null ? events : all.union(events);
        }
        return all;
    }
}

package dev.tessera.flink;

import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.runtime.EventRules;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoder;
import dev.tessera.runtime.decode.EventDecoders;
import dev.tessera.runtime.decode.RejectReason;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Kafka record to {@link SourceRecord} inside the Kafka source reader, with the runtime's own
 * decoder and the single-event rules of SPEC §3 ({@link EventRules}): malformed, too large, schema
 * mismatch, bad timestamp, future (against this machine's clock, when the record is read, as the
 * embedded runtime does) and missing key become rejected records, never exceptions, so bad input
 * never stops the job. Lateness and duplicates depend on what came before: the keyed operator
 * decides them.
 *
 * <p>Every event the decoder accepts carries its fields ({@link SourceRecord#fields}), also when a
 * later rule rejects it: {@link FanOut} checks the source's quality rules on exactly the events the
 * embedded runtime's consumer checks (the rules describe what producers send: late, duplicate,
 * keyless events count too).
 */
final class SourceRecordDeserializer implements KafkaRecordDeserializationSchema<SourceRecord> {
    private static final long serialVersionUID = 1L;
    private final DefinitionBundle bundle;
    private final String sourceName;
    private final int maxRecordBytes;
    private final TracingConfig tracing;
    private transient EventDecoder decoder;
    private transient EventRules rules;
    private transient int slots;
    /** Whether to carry records' trace contexts (tracing on): else headers are never looked at. */
    private transient boolean traced;

    SourceRecordDeserializer(DefinitionBundle bundle, String sourceName, int maxRecordBytes, TracingConfig tracing) {
        this.bundle = bundle;
        this.sourceName = sourceName;
        this.maxRecordBytes = maxRecordBytes;
        this.tracing = tracing;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        Definitions defs = bundle.definitions();
        Source source = defs.source(sourceName).orElseThrow(() -> new IllegalStateException("no source " + sourceName));
        FieldLayout layout = SourceFields.layout(defs, source);
        decoder = EventDecoders.forSource(source, bundle.directory(), layout, maxRecordBytes);
        rules = new EventRules(defs, source, layout);
        slots = layout.size();
        traced = tracing != null && tracing.enabled();
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<SourceRecord> out) {
        if (decoder == null) {
            open(null);
        }
        SourceRecord r = new SourceRecord();
        r.topic = record.topic();
        r.partition = record.partition();
        r.offset = record.offset();
        r.key = record.key();
        Decoded d = EventRules.decode(decoder, record.value(), record.offset());
        if (!d.isAccepted()) {
            reject(r, record.value(), d.reason(), d.message());
            out.collect(r);
            return;
        }
        Event e = d.event();
        r.fields = FieldCodec.encode(e, slots); // for the quality rules (FanOut), whatever the rules below decide
        long now = System.currentTimeMillis();
        long eventTime;
        try {
            eventTime = rules.eventTime(e);
        } catch (IllegalArgumentException bad) {
            reject(r, record.value(), RejectReason.BAD_TIMESTAMP, bad.getMessage());
            out.collect(r);
            return;
        }
        if (rules.isFuture(eventTime, now)) {
            reject(r, record.value(), RejectReason.FUTURE, rules.futureMessage(eventTime, now));
        } else if (!rules.hasAnyKey(e)) {
            reject(r, record.value(), RejectReason.MISSING_KEY, rules.missingKeyMessage());
        } else {
            r.value = record.value(); // a late event's dead letter carries it
            r.eventTime = eventTime;
            r.id = rules.id(e);
            if (traced) {
                r.trace = JobSpans.sampledParent(record.headers());
            }
        }
        out.collect(r);
    }

    private static void reject(SourceRecord r, byte[] value, RejectReason reason, String message) {
        r.value = value;
        r.rejectReason = reason.code();
        r.rejectMessage = message;
    }

    @Override
    public TypeInformation<SourceRecord> getProducedType() {
        return TypeInformation.of(SourceRecord.class);
    }
}

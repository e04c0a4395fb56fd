package dev.tessera.serving;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tessera.api.ClosestNames;
import dev.tessera.api.Definitions;
import dev.tessera.api.Source;
import dev.tessera.api.SourceFormat;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.core.event.SourceFields;
import dev.tessera.runtime.EventRules;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoder;
import dev.tessera.runtime.decode.EventDecoders;
import dev.tessera.schemas.SchemaRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code POST /v1/events/{source}} without HTTP: validates each event as the runtime will (the
 * source's own decoder, then timestamp, clock skew and keys) and writes the valid ones to the
 * source's topic in request order. The answer completes once every accepted event is acknowledged
 * by Kafka ({@code acks=all}, idempotent producer), so "accepted" means durable.
 *
 * <p>Events are keyed by their id when the source has one (a retry lands in the original's
 * partition, where the runtime deduplicates it: ADR 003), else by the first group's entity key.
 * Invalid events are answered as {@code {"index": i, "reason": code, "message": ...}} and never
 * reach Kafka; the reasons are the runtime's dead-letter codes.
 *
 * <p>With tracing on, every record carries the pushing request's trace context in its headers (W3C
 * {@code traceparent}), so the runtime's apply span joins the push's trace (ADR 024).
 */
public final class EventPusher {
    /** Default cap on events in one push. */
    public static final int DEFAULT_MAX_EVENTS = 10_000;

    /** The result of one push. */
    public record Result(int accepted, List<Rejection> rejected) {}

    public record Rejection(int index, String reason, String message) {}

    /** A source's checks; {@code avro} turns pushed JSON into its records (null for a JSON source). */
    private record SourceInfo(Source source, EventDecoder decoder, EventRules rules, AvroPushEncoder avro) {}

    private final Definitions defs;
    private final Producer<byte[], byte[]> producer;
    private final LongSupplier clock;
    private final int maxEvents;
    private final ObjectMapper json;
    private final Map<String, SourceInfo> sources = new HashMap<>();
    /** Pushed events by source, then by outcome ({@code accepted} or a rejection reason): what {@link #bind} exports. */
    private final Map<String, Map<String, java.util.concurrent.atomic.LongAdder>> counts = new java.util.LinkedHashMap<>();
    /** Null when tracing is off: records then get no headers at all. */
    private final io.opentelemetry.context.propagation.TextMapPropagator propagator;

    /** Writes a text map into Kafka record headers. */
    private static final io.opentelemetry.context.propagation.TextMapSetter<org.apache.kafka.common.header.Headers> HEADERS =
            (headers, key, value) -> headers.add(key, value.getBytes(StandardCharsets.UTF_8));

    public EventPusher(Definitions defs, Path definitionsDir, Producer<byte[], byte[]> producer, LongSupplier clock,
                       int maxEvents, ObjectMapper json) {
        this(defs, definitionsDir, producer, clock, maxEvents, json, null);
    }

    /**
     * @param registry where avro-confluent sources' schemas are registered (their pushed events are
     *                 framed with the schema file's id); null: such sources refuse pushes
     */
    public EventPusher(Definitions defs, Path definitionsDir, Producer<byte[], byte[]> producer, LongSupplier clock,
                       int maxEvents, ObjectMapper json, SchemaRegistry registry) {
        this(defs, definitionsDir, producer, clock, maxEvents, json, registry, null);
    }

    /**
     * @param tracing null: tracing off. Else each record gets the current trace context (the push
     *                request's span, made current by the HTTP server) in its headers, W3C
     *                {@code traceparent}, which the runtime continues when it applies the record
     */
    public EventPusher(Definitions defs, Path definitionsDir, Producer<byte[], byte[]> producer, LongSupplier clock,
                       int maxEvents, ObjectMapper json, SchemaRegistry registry, io.opentelemetry.api.OpenTelemetry tracing) {
        this.propagator = tracing == null ? null : tracing.getPropagators().getTextMapPropagator();
        this.defs = defs;
        this.producer = producer;
        this.clock = clock;
        this.maxEvents = maxEvents;
        this.json = json;
        for (Source s : defs.sources().values()) {
            if (s.format() == SourceFormat.AVRO_CONFLUENT && registry == null) {
                continue;
            }
            FieldLayout layout = SourceFields.layout(defs, s);
            Map<String, java.util.concurrent.atomic.LongAdder> byOutcome = new java.util.LinkedHashMap<>();
            byOutcome.put("accepted", new java.util.concurrent.atomic.LongAdder());
            for (dev.tessera.runtime.decode.RejectReason reason : dev.tessera.runtime.decode.RejectReason.values()) {
                if (reason != dev.tessera.runtime.decode.RejectReason.LATE && reason != dev.tessera.runtime.decode.RejectReason.DUPLICATE) {
                    byOutcome.put(reason.code(), new java.util.concurrent.atomic.LongAdder()); // decided by the stream, never by a push
                }
            }
            counts.put(s.name(), byOutcome);
            sources.put(s.name(), new SourceInfo(s, EventDecoders.forSource(s, definitionsDir, layout,
                    EventDecoders.DEFAULT_MAX_RECORD_BYTES, registry), new EventRules(defs, s, layout),
                    s.format() == SourceFormat.JSON ? null : new AvroPushEncoder(s, definitionsDir, registry)));
        }
    }

    /**
     * Exports the pushed events in {@code registry} as {@code tessera_push_events_total{source, outcome}}:
     * {@code accepted} once Kafka acknowledged them, else the rejection reason (the runtime's dead-letter
     * codes). Rejected events never reach Kafka, so the source's own counters cannot see them.
     */
    public EventPusher bind(io.micrometer.core.instrument.MeterRegistry registry) {
        counts.forEach((source, byOutcome) -> byOutcome.forEach((outcome, n) ->
                io.micrometer.core.instrument.FunctionCounter.builder("tessera.push.events", n, java.util.concurrent.atomic.LongAdder::sum)
                        .description("Events pushed over HTTP (POST /v1/events/{source}), by outcome: accepted (written to Kafka) or"
                                + " the rejection reason")
                        .tag("source", source).tag("outcome", outcome).register(registry)));
        return this;
    }

    private void count(String source, String outcome, int n) {
        java.util.concurrent.atomic.LongAdder a = counts.get(source).get(outcome);
        if (a != null) {
            a.add(n);
        }
    }

    /**
     * Validates and produces. {@code ndjson}: the body is newline-delimited JSON (one event per
     * line; blank lines skipped); otherwise a JSON array of event objects (or one object).
     *
     * @throws ApiException for an unknown source, a body that is not JSON, or too many events
     */
    public CompletableFuture<Result> push(String sourceName, byte[] body, boolean ndjson) {
        SourceInfo info = sources.get(sourceName);
        if (info == null) {
            if (defs.source(sourceName).isPresent()) {
                Source s = defs.source(sourceName).get();
                throw new ApiException(415, "unsupported_source_format", "source " + sourceName + " is "
                        + s.format().yamlName() + ", and this server has no schema registry to frame its records with",
                        "produce to " + s.topic() + " with a Confluent Avro serializer, registering schemas under "
                                + s.valueSubject());
            }
            throw ApiException.notFound("unknown_source", "no source named '" + sourceName + "'",
                    ClosestNames.hint(sourceName, defs.sources().keySet(), "sources"));
        }
        List<byte[]> events = ndjson ? lines(body) : elements(body);
        if (events.size() > maxEvents) {
            throw new ApiException(413, "too_many_events", events.size() + " events in one push; the limit is " + maxEvents,
                    "split the push into batches of at most " + maxEvents);
        }
        long now = clock.getAsLong();
        List<Rejection> rejected = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            byte[] value = events.get(i);
            if (value == null) {
                rejected.add(new Rejection(i, "malformed", "event " + i + " is not a JSON object"));
                continue;
            }
            if (info.avro != null) {
                Object encoded = info.avro.encode(value);
                if (encoded instanceof AvroPushEncoder.Refusal r) {
                    rejected.add(new Rejection(i, r.reason().code(), r.message()));
                    continue;
                }
                value = (byte[]) encoded;
            }
            Decoded d = info.decoder.decode(value);
            if (!d.isAccepted()) {
                rejected.add(new Rejection(i, d.reason().code(), d.message()));
                continue;
            }
            Event e = d.event();
            long t;
            try {
                t = info.rules.eventTime(e);
            } catch (IllegalArgumentException ex) {
                rejected.add(new Rejection(i, "bad_timestamp", ex.getMessage()));
                continue;
            }
            if (info.rules.isFuture(t, now)) {
                rejected.add(new Rejection(i, "future", info.rules.futureMessage(t, now)));
                continue;
            }
            if (!info.rules.hasAnyKey(e)) {
                rejected.add(new Rejection(i, "missing_key", info.rules.missingKeyMessage()));
                continue;
            }
            String key = recordKey(info.rules, e);
            byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
            if (propagator == null) {
                records.add(new ProducerRecord<>(info.source.topic(), keyBytes, value));
            } else {
                org.apache.kafka.common.header.Headers headers = new org.apache.kafka.common.header.internals.RecordHeaders();
                propagator.inject(io.opentelemetry.context.Context.current(), headers, HEADERS);
                records.add(new ProducerRecord<>(info.source.topic(), null, keyBytes, value, headers));
            }
        }
        for (Rejection r : rejected) {
            count(sourceName, r.reason(), 1);
        }
        int accepted = records.size();
        return send(records, new Result(accepted, List.copyOf(rejected))).thenApply(result -> {
            count(sourceName, "accepted", accepted);
            return result;
        });
    }

    private CompletableFuture<Result> send(List<ProducerRecord<byte[], byte[]>> records, Result result) {
        CompletableFuture<Result> done = new CompletableFuture<>();
        if (records.isEmpty()) {
            done.complete(result);
            return done;
        }
        AtomicInteger left = new AtomicInteger(records.size());
        AtomicReference<Exception> failure = new AtomicReference<>();
        try {
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(r, (meta, ex) -> {
                    if (ex != null) {
                        failure.compareAndSet(null, ex);
                    }
                    if (left.decrementAndGet() == 0) {
                        if (failure.get() != null) {
                            done.completeExceptionally(unavailable(failure.get()));
                        } else {
                            done.complete(result);
                        }
                    }
                });
            }
        } catch (RuntimeException ex) {
            done.completeExceptionally(unavailable(ex));
        }
        return done;
    }

    /**
     * A producer for pushed events: {@code acks=all}, idempotent, one request in flight (right
     * after topic creation the broker can reject a first batch and accept the next pipelined one,
     * and the idempotent producer then retries the first with OUT_OF_ORDER_SEQUENCE_NUMBER until
     * its delivery timeout), 1 ms linger, bounded blocking and delivery times.
     */
    public static org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        java.util.Properties p = new java.util.Properties();
        p.put(org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG, "all");
        p.put(org.apache.kafka.clients.producer.ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(org.apache.kafka.clients.producer.ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        p.put(org.apache.kafka.clients.producer.ProducerConfig.LINGER_MS_CONFIG, "1");
        p.put(org.apache.kafka.clients.producer.ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        p.put(org.apache.kafka.clients.producer.ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        p.put(org.apache.kafka.clients.producer.ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(org.apache.kafka.clients.producer.ProducerConfig.CLIENT_ID_CONFIG, "tessera-push");
        return new org.apache.kafka.clients.producer.KafkaProducer<>(p,
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
    }

    private static ApiException unavailable(Exception ex) {
        return new ApiException(503, "kafka_unavailable", "the events could not be written to Kafka: " + ex.getMessage(),
                "retry the whole push: events carry ids, so the ones that did arrive are counted once");
    }

    /**
     * The record key: the event id when the source has one (retries land in the original's
     * partition, ADR 003), else the first entity key present; null when neither exists.
     */
    private static String recordKey(EventRules rules, Event e) {
        String id = rules.id(e);
        if (id != null) {
            return id;
        }
        for (int g = 0; g < rules.groups(); g++) {
            String key = rules.keyOf(e, g);
            if (key != null) {
                return key;
            }
        }
        return null;
    }

    private static List<byte[]> lines(byte[] body) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == '\n') {
                int end = i;
                if (end > start && body[end - 1] == '\r') {
                    end--;
                }
                boolean blank = true;
                for (int j = start; j < end && blank; j++) {
                    blank = body[j] == ' ' || body[j] == '\t';
                }
                if (!blank) {
                    byte[] line = new byte[end - start];
                    System.arraycopy(body, start, line, 0, line.length);
                    out.add(line);
                }
                start = i + 1;
            }
        }
        return out;
    }

    /** A JSON array's elements re-serialized compactly (null for an element that is not an object), or one object. */
    private List<byte[]> elements(byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw ServingServer.notJson(e, "send a JSON array of event objects, or newline-delimited JSON with Content-Type: application/x-ndjson");
        } catch (NumberFormatException e) {
            throw ServingServer.numberOutOfRange(e);
        } catch (IOException e) {
            throw ApiException.badRequest("bad_json", "the body could not be read: " + e.getMessage(), "send a JSON array of event objects");
        }
        if (root == null || root.isMissingNode()) {
            throw ApiException.badRequest("bad_json", "the body is empty", "send a JSON array of event objects");
        }
        List<byte[]> out = new ArrayList<>();
        if (root.isObject()) {
            out.add(bytes(root));
        } else if (root.isArray()) {
            for (JsonNode n : root) {
                out.add(n.isObject() ? bytes(n) : null);
            }
        } else {
            throw ApiException.badRequest("bad_json", "the body is a JSON " + root.getNodeType().name().toLowerCase()
                    + ", not an array of events", "send a JSON array of event objects");
        }
        return out;
    }

    private byte[] bytes(JsonNode n) {
        try {
            return json.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

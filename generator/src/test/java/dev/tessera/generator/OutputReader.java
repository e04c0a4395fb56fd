package dev.tessera.generator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Reads delivered records the way a consumer would, from their bytes alone, and classifies each by
 * the rules written on {@link Disorder}. Independent of the generator's own bookkeeping: it uses
 * only the record's source (its topic), its value, and the source timing of the configuration.
 */
final class OutputReader {
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final long HOUR = 3_600_000L;

    private final GeneratorConfig config;
    private final Map<CommerceSource, Set<String>> seen = new EnumMap<>(CommerceSource.class);
    private final Map<CommerceSource, Long> newest = new EnumMap<>(CommerceSource.class);
    private Long clock;
    final Map<CommerceSource, Map<Disorder, Long>> counts = new EnumMap<>(CommerceSource.class);

    OutputReader(GeneratorConfig config) {
        this.config = config;
        for (CommerceSource s : CommerceSource.values()) {
            seen.put(s, new HashSet<>());
            Map<Disorder, Long> m = new EnumMap<>(Disorder.class);
            for (Disorder d : Disorder.values()) {
                m.put(d, 0L);
            }
            counts.put(s, m);
        }
    }

    /** The object in {@code value}, or null when it is not one JSON object. */
    static ObjectNode parse(byte[] value) {
        try {
            JsonNode n = JSON.readTree(value);
            return n instanceof ObjectNode o ? o : null;
        } catch (JsonProcessingException e) {
            return null;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Classifies the next record in delivery order; null when it is in order. */
    Disorder read(CommerceSource source, byte[] value) {
        Disorder d = classify(source, value);
        if (d != null) {
            counts.get(source).merge(d, 1L, Long::sum);
        }
        return d;
    }

    private Disorder classify(CommerceSource source, byte[] value) {
        ObjectNode o = parse(value);
        if (o == null) {
            return Disorder.BROKEN_JSON;
        }
        if (!o.has("account_id")) {
            return Disorder.MISSING_KEY;
        }
        if (!o.path("event_time").isIntegralNumber()) {
            return Disorder.WRONG_TYPE;
        }
        String id = o.get(source.idField()).asText();
        if (!seen.get(source).add(id)) {
            return Disorder.DUPLICATE;
        }
        long t = o.get("event_time").asLong();
        SourceTiming timing = config.timing().get(source);
        if (clock != null && t > clock + timing.maxClockSkewMillis() + HOUR) {
            return Disorder.FUTURE;
        }
        Long n = newest.get(source);
        Disorder d = null;
        if (n != null && t < n - timing.latenessMillis()) {
            d = Disorder.LATE;
        } else if (n != null && t < n) {
            d = Disorder.OUT_OF_ORDER;
        }
        newest.merge(source, t, Math::max);
        clock = clock == null ? t : Math.max(clock, t);
        return d;
    }
}

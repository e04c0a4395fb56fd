package dev.tessera.generator;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * What was delivered: records and injected disorder per source, records per fraud pattern, and
 * how chargebacks split between fraudulent and legitimate payments. A snapshot; every map holds
 * every key, zeros included.
 *
 * @param firstEventTime delivery time of the first record (simulated clock), or -1 before any
 * @param lastEventTime  delivery time of the latest record (simulated clock), or -1 before any
 */
public record GenerationStats(
        Map<CommerceSource, Long> records,
        Map<CommerceSource, Map<Disorder, Long>> disorder,
        Map<FraudPattern, Long> fraudRecords,
        long chargebacksOnFraud,
        long chargebacksOnLegit,
        long firstEventTime,
        long lastEventTime) {

    public GenerationStats {
        records = Collections.unmodifiableMap(new EnumMap<>(records));
        Map<CommerceSource, Map<Disorder, Long>> d = new EnumMap<>(CommerceSource.class);
        disorder.forEach((s, m) -> d.put(s, Collections.unmodifiableMap(new EnumMap<>(m))));
        disorder = Collections.unmodifiableMap(d);
        fraudRecords = Collections.unmodifiableMap(new EnumMap<>(fraudRecords));
    }

    /** Every delivered record. */
    public long totalRecords() {
        return records.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Records of {@code kind} over every source. */
    public long disorder(Disorder kind) {
        return disorder.values().stream().mapToLong(m -> m.get(kind)).sum();
    }

    /** Records of {@code kind} in {@code source}. */
    public long disorder(CommerceSource source, Disorder kind) {
        return disorder.get(source).get(kind);
    }
}

package dev.tessera.generator;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** Counts what is delivered; written by the delivering thread, read from any thread. */
final class StatsCounter {
    private static final int SOURCES = CommerceSource.values().length;
    private static final int KINDS = Disorder.values().length;

    private final AtomicLongArray records = new AtomicLongArray(SOURCES);
    private final AtomicLongArray disorder = new AtomicLongArray(SOURCES * KINDS);
    private final AtomicLongArray fraud = new AtomicLongArray(FraudPattern.values().length);
    private final AtomicLong chargebacksOnFraud = new AtomicLong();
    private final AtomicLong chargebacksOnLegit = new AtomicLong();
    private final AtomicLong first = new AtomicLong(-1);
    private final AtomicLong last = new AtomicLong(-1);
    private final AtomicReferenceArray<FraudSighting> sightings = new AtomicReferenceArray<>(FraudPattern.values().length);

    void count(GeneratedRecord r, long deliveryTime) {
        int s = r.source().ordinal();
        records.incrementAndGet(s);
        if (r.disorder() != null) {
            disorder.incrementAndGet(s * KINDS + r.disorder().ordinal());
        }
        if (r.fraud() != null) {
            fraud.incrementAndGet(r.fraud().ordinal());
        }
        if (r.source() == CommerceSource.CHARGEBACKS) {
            (r.fraud() != null ? chargebacksOnFraud : chargebacksOnLegit).incrementAndGet();
        }
        first.compareAndSet(-1, deliveryTime);
        last.set(deliveryTime);
    }

    void sight(FraudSighting sighting) {
        sightings.set(sighting.pattern().ordinal(), sighting);
    }

    long lastTime() {
        return last.get();
    }

    Map<FraudPattern, FraudSighting> sightings() {
        Map<FraudPattern, FraudSighting> m = new EnumMap<>(FraudPattern.class);
        for (FraudPattern p : FraudPattern.values()) {
            FraudSighting s = sightings.get(p.ordinal());
            if (s != null) {
                m.put(p, s);
            }
        }
        return m;
    }

    GenerationStats snapshot() {
        Map<CommerceSource, Long> rec = new EnumMap<>(CommerceSource.class);
        Map<CommerceSource, Map<Disorder, Long>> dis = new EnumMap<>(CommerceSource.class);
        for (CommerceSource s : CommerceSource.values()) {
            rec.put(s, records.get(s.ordinal()));
            Map<Disorder, Long> kinds = new EnumMap<>(Disorder.class);
            for (Disorder k : Disorder.values()) {
                kinds.put(k, disorder.get(s.ordinal() * KINDS + k.ordinal()));
            }
            dis.put(s, kinds);
        }
        Map<FraudPattern, Long> fr = new EnumMap<>(FraudPattern.class);
        for (FraudPattern p : FraudPattern.values()) {
            fr.put(p, fraud.get(p.ordinal()));
        }
        return new GenerationStats(rec, dis, fr, chargebacksOnFraud.get(), chargebacksOnLegit.get(), first.get(), last.get());
    }
}

package dev.tessera.runtime;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What happened to a source's events, by outcome. Written by the applier, read by metrics; committed
 * with the state, so the counts survive restarts exactly (a replayed event is counted once).
 */
public final class SourceCounters {
    /** Outcome names, as they appear in metrics and the store. */
    public enum Outcome {
        IN("in"), ACCEPTED("accepted"), LATE("late"), FUTURE("future"), DUPLICATE("duplicate"),
        MALFORMED("malformed"), MISSING_KEY("missing_key"), BAD_TIMESTAMP("bad_timestamp"), TOO_LARGE("too_large"),
        SCHEMA_MISMATCH("schema_mismatch"), NON_FINITE_VALUE("non_finite_value");

        private final String code;

        Outcome(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        static Outcome ofCode(String code) {
            for (Outcome o : values()) {
                if (o.code.equals(code)) {
                    return o;
                }
            }
            return null;
        }
    }

    private final AtomicLongArray counts = new AtomicLongArray(Outcome.values().length);

    void add(Outcome o, long n) {
        counts.addAndGet(o.ordinal(), n);
    }

    void increment(Outcome o) {
        counts.incrementAndGet(o.ordinal());
    }

    public long get(Outcome o) {
        return counts.get(o.ordinal());
    }

    /** Every outcome with its count, in enum order. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Outcome o : Outcome.values()) {
            m.put(o.code(), counts.get(o.ordinal()));
        }
        return m;
    }

    void restore(Map<String, Long> saved) {
        saved.forEach((code, v) -> {
            Outcome o = Outcome.ofCode(code);
            if (o != null) {
                counts.set(o.ordinal(), v);
            }
        });
    }
}

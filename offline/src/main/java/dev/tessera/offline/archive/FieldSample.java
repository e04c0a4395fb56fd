package dev.tessera.offline.archive;

import dev.tessera.core.event.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Whether the fields features read ({@code of}, {@code where}) occur in the archived events a training
 * set or a backfill reads, judged on the first {@value #LIMIT} of a source: a field none of them carries is almost
 * always a misspelt name, and the features reading it come out 0 or null in every row without any
 * error (an absent field is a valid null). Thread-safe: the event pass observes from its workers.
 */
public final class FieldSample {
    public static final long LIMIT = 200_000;

    private final String source;
    private final String[] names;
    private final int[] slots;
    private final List<List<String>> readBy;
    private final AtomicLong seen = new AtomicLong();
    private final AtomicLongArray present;

    /**
     * Each field the features read, with what reads it ({@code where of group.feature}), in first-use order.
     */
    public static Map<String, List<String>> usesOf(dev.tessera.api.FeatureGroup group) {
        Map<String, List<String>> uses = new java.util.LinkedHashMap<>();
        addUses(group, group.features(), uses);
        return uses;
    }

    /** Adds what {@code features} of {@code group} read to {@code uses}. */
    public static void addUses(dev.tessera.api.FeatureGroup group, List<dev.tessera.api.Feature> features, Map<String, List<String>> uses) {
        for (dev.tessera.api.Feature f : features) {
            if (f.of() != null) {
                uses.computeIfAbsent(f.of(), k -> new ArrayList<>()).add(group.name() + "." + f.name() + " (of)");
            }
            if (f.where() != null && !f.where().isBlank()) {
                for (String w : f.whereFields()) {
                    uses.computeIfAbsent(w, k -> new ArrayList<>()).add(group.name() + "." + f.name() + " (where)");
                }
            }
        }
    }

    /** @param uses each field read, with what reads it ({@link #usesOf}) */
    public FieldSample(String source, Map<String, List<String>> uses, dev.tessera.core.event.FieldLayout layout) {
        this.source = source;
        this.names = uses.keySet().toArray(new String[0]);
        this.readBy = new ArrayList<>(uses.values());
        this.slots = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            slots[i] = layout.requireSlot(names[i]);
        }
        this.present = new AtomicLongArray(names.length);
    }

    /** Counts one decoded event, until {@value #LIMIT} were. */
    public void observe(Event e) {
        if (seen.get() >= LIMIT || seen.incrementAndGet() > LIMIT) {
            return;
        }
        for (int i = 0; i < slots.length; i++) {
            if (e.get(slots[i]) != null) {
                present.incrementAndGet(i);
            }
        }
    }

    /** A warning per field that none of the events looked at carried; empty when every field occurred or no event was seen. */
    public List<String> absent() {
        long n = Math.min(seen.get(), LIMIT);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            if (n > 0 && present.get(i) == 0) {
                out.add(String.format(java.util.Locale.ROOT, "field '%s' of source %s is absent or null in %s %,d archived event%s"
                        + " read, so %s %s always 0 or null; check the name against the events (a typo in the definitions, or"
                        + " a field the producers renamed)", names[i], source, n == LIMIT ? "the first" : "all", n, n == 1 ? "" : "s",
                        String.join(", ", readBy.get(i)), readBy.get(i).size() == 1 ? "is" : "are"));
            }
        }
        return out;
    }
}

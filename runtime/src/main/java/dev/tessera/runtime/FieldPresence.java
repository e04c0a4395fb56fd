package dev.tessera.runtime;

import dev.tessera.api.Definitions;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How often each field the features of a source read ({@code of} and {@code where}) is present in
 * its events. A field no event carries is almost always a misspelt name or a producer that renamed
 * it; the features reading it then stay 0 or null without any error, since an absent field is a
 * valid null (SPEC §3). Counted on the source's consumer thread for every decoded event (a null
 * check per field) and published after each batch; {@code tessera doctor} reports a field absent from every one of at least
 * {@value #JUDGED_AFTER} events, and the runtime logs it once. Monitoring, not committed state: the
 * counts start from zero with the process.
 *
 * <p>The Flink job's fan-out subtasks count the same way and publish the counts with their other
 * counts ({@link WriterCounts}); a stateless serving node adds what they published ({@link #add}) to
 * alert on the same fields.
 */
public final class FieldPresence {
    private static final Logger LOG = LoggerFactory.getLogger(FieldPresence.class);
    /** Events after which a field none of them carried is reported. */
    public static final long JUDGED_AFTER = 10_000;

    private final String source;
    private final String[] names;
    private final List<List<String>> readBy;
    private final int[] slots;
    /** Written by the consumer thread only; {@link #events} is published after them ({@link #publish}), read first. */
    private final long[] present;
    private long counted;
    private volatile long events;
    private boolean logged;

    public FieldPresence(Definitions defs, Source source, FieldLayout layout) {
        this.source = source.name();
        Map<String, List<String>> uses = new LinkedHashMap<>();
        for (FeatureGroup g : defs.groupsOf(source)) {
            for (Feature f : g.features()) {
                if (f.of() != null) {
                    uses.computeIfAbsent(f.of(), k -> new ArrayList<>()).add(g.name() + "." + f.name() + " (of)");
                }
                if (f.where() != null && !f.where().isBlank()) {
                    for (String name : f.whereFields()) {
                        uses.computeIfAbsent(name, k -> new ArrayList<>()).add(g.name() + "." + f.name() + " (where)");
                    }
                }
            }
        }
        this.names = uses.keySet().toArray(new String[0]);
        this.readBy = uses.values().stream().map(List::copyOf).toList();
        this.slots = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            slots[i] = layout.requireSlot(names[i]);
        }
        this.present = new long[names.length];
    }

    /** Counts one decoded event (one thread only; visible to others after {@link #publish}). */
    public void observe(Event e) {
        for (int i = 0; i < slots.length; i++) {
            if (e.get(slots[i]) != null) {
                present[i]++;
            }
        }
        counted++;
    }

    /** Makes the counts so far visible to other threads (the consumer, after each batch: no fence per event). */
    public void publish() {
        long n = counted;
        events = n;
        if (n >= JUDGED_AFTER && !logged) {
            logged = true;
            for (SourceDiagnostics.Field f : fields()) {
                if (f.present() == 0) {
                    LOG.warn("source {}: field '{}' was absent or null in all of the first {} events; it is read by {},"
                            + " which stay 0 or null: check the name against the events the producers send",
                            source, f.field(), n, String.join(", ", f.readBy()));
                }
            }
        }
    }

    /**
     * Adds counts made elsewhere (a writer's published increase): {@code events} more events, and by
     * field name how many more of them carried it (names not read here are ignored). The same single
     * thread as {@link #observe}; publishes.
     */
    public void add(long events, Map<String, Long> present) {
        for (int i = 0; i < names.length; i++) {
            Long n = present.get(names[i]);
            if (n != null) {
                this.present[i] += n;
            }
        }
        counted += events;
        publish();
    }

    /** The events counted and published so far. */
    public long events() {
        return events;
    }

    /** By field name, how many of the published {@link #events()} carried it. */
    public Map<String, Long> present() {
        long n = events;
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            out.put(names[i], Math.min(n, present[i]));
        }
        return out;
    }

    /** Each field read by a feature, with the events seen since start and how many carried it. */
    public List<SourceDiagnostics.Field> fields() {
        long n = events;
        List<SourceDiagnostics.Field> out = new ArrayList<>(names.length);
        for (int i = 0; i < names.length; i++) {
            out.add(new SourceDiagnostics.Field(names[i], readBy.get(i), n, Math.min(n, present[i])));
        }
        return out;
    }
}

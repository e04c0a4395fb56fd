package dev.tessera.runtime;

import dev.tessera.api.Definitions;
import dev.tessera.api.Feature;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Whether an event carries NaN or ±Infinity in a field a feature of its source aggregates ({@code of}):
 * the aggregations take such a value as null (SPEC §3), and the event is counted once as
 * {@code non_finite_value} (an accepted event's quality issue, not a rejection), whatever number of
 * features read the field. Every engine counts with this, so their counts agree.
 */
public final class NonFiniteValues {
    private final int[] slots;

    public NonFiniteValues(Definitions defs, Source source, FieldLayout layout) {
        Set<String> fields = new LinkedHashSet<>();
        for (FeatureGroup g : defs.groupsOf(source)) {
            for (Feature f : g.features()) {
                if (f.of() != null) {
                    fields.add(f.of());
                }
            }
        }
        this.slots = fields.stream().mapToInt(layout::requireSlot).toArray();
    }

    /** Whether {@code e} has a non-finite number in an aggregated field. */
    public boolean carriedBy(Event e) {
        for (int s : slots) {
            if (e.get(s) instanceof Double d && !Double.isFinite(d)) {
                return true;
            }
        }
        return false;
    }
}

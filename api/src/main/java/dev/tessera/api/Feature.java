package dev.tessera.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One aggregation in a feature group, computed over one or more windows (or over the lifetime
 * of the entity when {@code windows} is empty).
 *
 * @param of      input field, or null (count of events)
 * @param where   filter expression source text, or null
 * @param windows window lengths; empty means lifetime
 * @param hop     explicit hop for every window, or null for the default hop of each window
 * @param k       for last_k and top_k, else 0
 * @param p       for approx_percentile, else NaN
 * @param expect  data-quality rules on every served value ({@code expect:}), or null
 */
public record Feature(
        String name,
        Aggregation agg,
        String of,
        String where,
        List<TimeSpan> windows,
        TimeSpan hop,
        int k,
        double p,
        Meta meta,
        Expectation expect) {
    public Feature {
        windows = List.copyOf(windows);
    }

    /** A feature without quality rules. */
    public Feature(String name, Aggregation agg, String of, String where, List<TimeSpan> windows, TimeSpan hop, int k,
                   double p, Meta meta) {
        this(name, agg, of, where, windows, hop, k, p, meta, null);
    }

    /**
     * Every event field the {@code where} filter reads; empty without a filter. Loaded definitions
     * always parse; a hand-built feature with a bad filter throws
     * {@link dev.tessera.api.filter.FilterSyntaxException} here.
     */
    public Set<String> whereFields() {
        return WhereClauses.fieldNames(where);
    }

    public boolean lifetime() {
        return windows.isEmpty();
    }

    /** The hop used for {@code window}: the explicit hop, or the window's default hop. */
    public TimeSpan hopFor(TimeSpan window) {
        return hop != null ? hop : window.defaultHop();
    }

    /** Served name of one window of this feature: {@code <name>_<window>}. */
    public String servedName(TimeSpan window) {
        return name + "_" + window.text();
    }

    /** Served names in declaration order: one per window, or just the name for a lifetime feature. */
    public List<String> servedNames() {
        if (lifetime()) {
            return List.of(name);
        }
        List<String> names = new ArrayList<>(windows.size());
        for (TimeSpan w : windows) {
            names.add(servedName(w));
        }
        return names;
    }
}

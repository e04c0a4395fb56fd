package dev.tessera.runtime;

import dev.tessera.core.event.Event;

/**
 * How an event field's value names an entity, for every engine and the push API alike: keys are
 * compared as text, so {@code 42}, {@code 42.0} and {@code "42"} name the same account; an empty
 * string or null is no key, and neither is NaN or ±Infinity, which count as null (SPEC §3). The same
 * holds for event ids.
 */
public final class EntityKeys {
    private EntityKeys() {
    }

    /** Joins the parts of a composite key (a control character no real key contains). */
    public static final char SEPARATOR = '\u001f';

    /**
     * The key of {@code event}'s entity, from the fields at {@code slots} (one per key field of the
     * entity): the text of a single key, or the parts joined by {@link #SEPARATOR}; null when a part
     * names no entity (or contains the separator).
     */
    public static String of(Event event, int[] slots) {
        if (slots.length == 1) {
            return text(event.get(slots[0]));
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < slots.length; i++) {
            String part = text(event.get(slots[i]));
            if (part == null || part.indexOf(SEPARATOR) >= 0) {
                return null;
            }
            if (i > 0) {
                sb.append(SEPARATOR);
            }
            sb.append(part);
        }
        return sb.toString();
    }

    /** The same key from values given apart (a spine row's key columns, a request's key fields). */
    public static String of(Object[] values) {
        if (values.length == 1) {
            return text(values[0]);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            String part = text(values[i]);
            if (part == null || part.indexOf(SEPARATOR) >= 0) {
                return null;
            }
            if (i > 0) {
                sb.append(SEPARATOR);
            }
            sb.append(part);
        }
        return sb.toString();
    }

    /** The key text of {@code v}, or null when it names no entity. */
    public static String text(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            return s.isEmpty() ? null : s;
        }
        if (v instanceof Double d) {
            if (!Double.isFinite(d)) {
                return null;
            }
            return d == Math.rint(d) && Math.abs(d) < 9.0e15 ? Long.toString(d.longValue()) : d.toString();
        }
        return v.toString();
    }
}

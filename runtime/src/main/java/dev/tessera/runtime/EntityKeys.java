package dev.tessera.runtime;

import dev.tessera.core.event.Event;

/**
 * How an event field's value names an entity, for every engine and the push API alike: keys are
 * compared as text, so {@code 42}, {@code 42.0} and {@code "42"} name the same account; an empty
 * string or null is no key.
 */
public final class EntityKeys {
    /** Joins the parts of a composite key; no real key contains it. */
    static final char KEY_SEPARATOR = '\u001f';

    private EntityKeys() {
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
            return d == Math.rint(d) && Math.abs(d) < 9.0e15 ? Long.toString(d.longValue()) : d.toString();
        }
        return v.toString();
    }

    /**
     * The entity {@code event} belongs to, over the key fields in {@code keySlots}: the key text
     * itself, or the parts joined by U+001F for a composite key; null when a part is missing (or
     * contains U+001F, which no real key does): the event has no entity of that kind.
     */
    public static String of(Event event, int[] keySlots) {
        if (keySlots.length == 1) {
            return text(event.get(keySlots[0]));
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < keySlots.length; i++) {
            String part = text(event.get(keySlots[i]));
            if (part == null || part.indexOf(KEY_SEPARATOR) >= 0) {
                return null;
            }
            if (i > 0) {
                sb.append(KEY_SEPARATOR);
            }
            sb.append(part);
        }
        return sb.toString();
    }
}

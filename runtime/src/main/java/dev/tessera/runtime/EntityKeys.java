package dev.tessera.runtime;

/**
 * How an event field's value names an entity, for every engine and the push API alike: keys are
 * compared as text, so {@code 42}, {@code 42.0} and {@code "42"} name the same account; an empty
 * string or null is no key.
 */
public final class EntityKeys {
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
}

package dev.tessera.runtime.decode;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The keys seen so far in each open JSON object of one record, to reject duplicate keys.
 *
 * <p>Replaces Jackson's {@code STRICT_DUPLICATE_DETECTION}, which gives every object with more than
 * two keys its own {@link HashSet}: on a typical 10-key event that was a fifth of the decoding time
 * and a third of its allocation. Here the keys of all open objects share one array used as a
 * stack (an object's keys sit above those of its parents and are dropped when it closes), and a
 * key is compared with its siblings by identity first (Jackson canonicalizes field names, so a
 * repeated name is usually the same String), then by hash code (cached in those Strings, so two
 * different keys of the same length are not compared byte by byte) and {@code equals}. An object with more than
 * {@value #LINEAR_LIMIT} keys moves to a hash set, so a record of thousands of keys stays linear.
 * One instance per record; not thread-safe.
 */
final class JsonKeySet {
    private static final int LINEAR_LIMIT = 16;

    private String[] keys = new String[8];
    private int top;
    private int depth;
    private Set<?>[] large;

    /** Starts an object; returns the base to pass to {@link #add} and {@link #close}. */
    int open() {
        depth++;
        if (large != null && depth < large.length) {
            large[depth] = null;
        }
        return top;
    }

    /** Ends the object opened at {@code base}. */
    void close(int base) {
        if (large != null && depth < large.length) {
            large[depth] = null;
        }
        depth--;
        top = base;
    }

    /** Adds {@code key} to the object opened at {@code base}; false when the object already has it. */
    boolean add(int base, String key) {
        Set<String> set = largeSet();
        if (set != null) {
            return set.add(key);
        }
        int h = key.hashCode();
        for (int i = base; i < top; i++) {
            String k = keys[i];
            if (k == key || k.hashCode() == h && k.equals(key)) {
                return false;
            }
        }
        if (top - base == LINEAR_LIMIT) {
            Set<String> all = new HashSet<>();
            for (int i = base; i < top; i++) {
                all.add(keys[i]);
            }
            all.add(key);
            setLarge(all);
            return true;
        }
        if (top == keys.length) {
            keys = Arrays.copyOf(keys, keys.length * 2);
        }
        keys[top++] = key;
        return true;
    }

    @SuppressWarnings("unchecked")
    private Set<String> largeSet() {
        return large != null && depth < large.length ? (Set<String>) large[depth] : null;
    }

    private void setLarge(Set<String> set) {
        if (large == null || depth >= large.length) {
            large = Arrays.copyOf(large == null ? new Set<?>[0] : large, Math.max(8, depth * 2));
        }
        large[depth] = set;
    }
}

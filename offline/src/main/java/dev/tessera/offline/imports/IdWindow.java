package dev.tessera.offline.imports;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ids an import checks a row against: those archived, and those this import kept, with event
 * times within {@code reach} hours of the hour being imported. Hours are numbered (epoch hours);
 * the importer goes through them in increasing order, so ids of hours that fall behind are dropped
 * ({@link #forgetBefore}) and memory holds {@code 2 * reach + 1} hours of ids at most.
 *
 * <p>Per id, only its latest hour is kept (and whether that occurrence was archived or imported):
 * an id is in the window while its latest hour is.
 */
final class IdWindow {
    private final Map<String, Long> latest = new HashMap<>();
    private final TreeMap<Long, List<String>> byHour = new TreeMap<>();

    /** Records {@code id} at {@code hour}; {@code imported}: kept by this import rather than archived before. */
    void add(String id, long hour, boolean imported) {
        long v = hour * 2 + (imported ? 1 : 0);
        Long before = latest.get(id);
        if (before == null || before < v) {
            latest.put(id, v);
        }
        byHour.computeIfAbsent(hour, h -> new ArrayList<>()).add(id);
    }

    /** Null when {@code id} is not in the window; else whether its latest occurrence was imported by this run. */
    Boolean seen(String id) {
        Long v = latest.get(id);
        return v == null ? null : (v & 1) == 1;
    }

    /** Drops the ids whose latest hour is before {@code hour}. */
    void forgetBefore(long hour) {
        for (Iterator<Map.Entry<Long, List<String>>> it = byHour.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, List<String>> e = it.next();
            if (e.getKey() >= hour) {
                break;
            }
            for (String id : e.getValue()) {
                Long v = latest.get(id);
                if (v != null && v >> 1 == e.getKey()) {
                    latest.remove(id);
                }
            }
            it.remove();
        }
    }

    int size() {
        return latest.size();
    }
}

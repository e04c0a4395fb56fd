package dev.tessera.core.event;

import java.util.Arrays;
import java.util.Map;

/** An event held as an array of slot values; what projecting decoders (JSON, CSV) produce. */
public final class ArrayEvent implements Event {
    private final Object[] values;

    public ArrayEvent(Object[] values) {
        this.values = values;
    }

    /** Projects a map of canonical values onto a layout (tests, import, small paths; not the hot path). */
    public static ArrayEvent fromMap(FieldLayout layout, Map<String, ?> fields) {
        Object[] values = new Object[layout.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = fields.get(layout.names().get(i));
        }
        return new ArrayEvent(values);
    }

    @Override
    public Object get(int slot) {
        return slot >= 0 && slot < values.length ? values[slot] : null;
    }

    @Override
    public String toString() {
        return Arrays.toString(values);
    }
}

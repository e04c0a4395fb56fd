package dev.tessera.runtime.decode;

import dev.tessera.api.FieldType;
import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import java.util.Map;

/**
 * Holds a JSON source's events to the types its definition declares ({@code fields: {amount:
 * double}}), around the JSON decoder: a value of another kind is {@code schema_mismatch} (a string
 * where a number is declared would otherwise be ignored by {@code sum} and silently count as
 * nothing), and a whole number in a {@code double} field becomes a Double, so a feature over it has
 * one result type whatever the producer wrote ({@code 12} and {@code 12.0}). Null and absent are
 * always allowed. Fields the source does not declare pass as they are.
 */
final class DeclaredFieldsDecoder implements EventDecoder {
    private final EventDecoder inner;
    private final String sourceName;
    private final String[] names;
    private final FieldType[] types;

    DeclaredFieldsDecoder(EventDecoder inner, String sourceName, FieldLayout layout, Map<String, FieldType> declared) {
        this.inner = inner;
        this.sourceName = sourceName;
        this.names = layout.names().toArray(new String[0]);
        this.types = new FieldType[names.length];
        for (int i = 0; i < names.length; i++) {
            types[i] = declared.get(names[i]);
        }
    }

    @Override
    public Decoded decode(byte[] value) {
        Decoded d = inner.decode(value);
        if (!d.isAccepted()) {
            return d;
        }
        Event e = d.event();
        Object[] widened = null;
        for (int i = 0; i < types.length; i++) {
            FieldType t = types[i];
            Object v = e.get(i);
            if (t == null || v == null) {
                continue;
            }
            boolean fits = switch (t) {
                case STRING -> v instanceof String;
                case LONG -> v instanceof Long;
                case DOUBLE -> v instanceof Double || v instanceof Long;
                case BOOLEAN -> v instanceof Boolean;
            };
            if (!fits) {
                return Decoded.rejected(RejectReason.SCHEMA_MISMATCH, "field '" + names[i] + "' holds " + ValueKinds.of(v)
                        + ", but source " + sourceName + " declares it " + t.yamlName() + "; send a " + t.yamlName()
                        + " (or null), or change the declaration in fields:");
            }
            if (t == FieldType.DOUBLE && v instanceof Long l) {
                if (widened == null) {
                    widened = new Object[types.length];
                    for (int j = 0; j < widened.length; j++) {
                        widened[j] = e.get(j);
                    }
                }
                widened[i] = l.doubleValue();
            }
        }
        return widened == null ? d : Decoded.accepted(new ArrayEvent(widened));
    }
}

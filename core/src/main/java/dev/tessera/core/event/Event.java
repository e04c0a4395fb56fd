package dev.tessera.core.event;

/**
 * A decoded event, seen through the fields a {@link FieldLayout} asked for.
 *
 * <p>This is the field-access abstraction every engine adapts: JSON decoders fill an array of just
 * the needed fields, Avro and Parquet rows map a slot to a record position, and none of them copy
 * events into maps on the hot path. Compiled filters and aggregators resolve field names to slots
 * once, at compile time, and then only call {@link #get(int)}.
 *
 * <p>Values use one canonical Java type per kind, whatever the wire format: {@code null} (absent or
 * null), {@link Boolean}, {@link Long} (every integral type), {@link Double} (every floating type),
 * {@link String}. Adapters convert narrower types (Integer, Float, Utf8...) to these.
 */
public interface Event {
    /** The value of the field in {@code slot} (a slot from this event's {@link FieldLayout}), or null. */
    Object get(int slot);
}

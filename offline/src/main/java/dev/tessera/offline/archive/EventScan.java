package dev.tessera.offline.archive;

import java.io.IOException;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The events of one source over an event-time range, in no particular order: what backfills and
 * training sets read. The archive is one; tests may hand in a list.
 */
@FunctionalInterface
public interface EventScan {
    /**
     * Calls {@code sink} once per archived event with {@code fromMillis <= eventTime < untilMillis}
     * (files outside the range may be skipped whole; events inside must all be delivered exactly once).
     */
    void forEach(long fromMillis, long untilMillis, Consumer<ArchivedEvent> sink) throws IOException;

    /**
     * As {@link #forEach(long, long, Consumer)}, handing with each event the text of each of
     * {@code keyFields} as the archive recorded it (what {@code EntityKeys.text} makes of the field;
     * null where the event has none), so a reader can pass over events of keys it does not want
     * without decoding them. The keys are null when the scan cannot tell without decoding (this
     * default, and archive files written before those fields were keys).
     */
    default void forEachWithKeys(long fromMillis, long untilMillis, List<String> keyFields, BiConsumer<ArchivedEvent, String[]> sink)
            throws IOException {
        forEach(fromMillis, untilMillis, e -> sink.accept(e, null));
    }

    /** Receives an event with its key texts (null: unknown) and its typed values (null: decode its raw bytes). */
    @FunctionalInterface
    interface ValueSink {
        void accept(ArchivedEvent event, String[] keys, Object[] values);

        /**
         * Asked before an event is read whole, with its key texts (null: unknown) and event time:
         * false passes over it (its id and values are not even read). A scan may also not ask, and
         * deliver every event; {@link #accept} is then called with the same {@code keys} array.
         */
        default boolean wants(String[] keys, long eventTime) {
            return true;
        }
    }

    /**
     * As {@link #forEachWithKeys}, handing with each event also the values of {@code valueFields} as
     * the source's decoder produced them when the event was archived (the archive's typed columns,
     * ADR 008 "Typed columns"), so a reader need not decode the event at all. The values are given
     * only where they are exactly what decoding the event's raw bytes now would give — the archive
     * was written with the decoder fingerprint {@code decoder} ({@link TypedColumns#decoder()}) — and
     * only together with the keys; the event's {@code raw()} is then null. Otherwise (this default,
     * files of format 1, another decoder) {@code values} is null and {@code raw()} holds the bytes.
     */
    default void forEachWithValues(long fromMillis, long untilMillis, List<String> keyFields, List<String> valueFields, String decoder,
            ValueSink sink) throws IOException {
        forEachWithKeys(fromMillis, untilMillis, keyFields, (e, keys) -> sink.accept(e, keys, null));
    }

    /**
     * Parts of this scan that together deliver each event exactly once and may be read at the same
     * time, from different threads (each part's sink is called from one thread at a time). The
     * archive splits by file; the default is the whole scan as one part.
     */
    default List<EventScan> split() {
        return List.of(this);
    }

    /**
     * How many events {@link #forEach(long, long, Consumer)} would deliver for the range, or -1 when
     * the scan cannot tell without reading them: lets a reader size its work up front.
     */
    default long count(long fromMillis, long untilMillis) {
        return -1;
    }

    /**
     * The newest event time of the scan (Long.MIN_VALUE when it has none), or empty when it cannot tell
     * without reading every event: what a build compares its rows' times with, since a row past it may
     * miss events that reached the stream but not the archive yet.
     */
    default java.util.OptionalLong newestEventTime() {
        return java.util.OptionalLong.empty();
    }

    /** All events of the scan. */
    default void forEach(Consumer<ArchivedEvent> sink) throws IOException {
        forEach(Long.MIN_VALUE, Long.MAX_VALUE, sink);
    }
}

package dev.tessera.offline.archive;

import java.io.IOException;
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

    /** All events of the scan. */
    default void forEach(Consumer<ArchivedEvent> sink) throws IOException {
        forEach(Long.MIN_VALUE, Long.MAX_VALUE, sink);
    }
}

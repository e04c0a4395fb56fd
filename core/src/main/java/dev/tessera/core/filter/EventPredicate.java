package dev.tessera.core.filter;

import dev.tessera.core.event.Event;

/** A compiled filter: decides whether an event passes. Implementations are immutable and thread-safe. */
@FunctionalInterface
public interface EventPredicate {
    boolean test(Event event);
}

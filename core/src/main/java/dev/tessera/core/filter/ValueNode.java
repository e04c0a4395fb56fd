package dev.tessera.core.filter;

import dev.tessera.core.event.Event;

/** A compiled value expression: yields a canonical value (null, Boolean, Long, Double, String). */
@FunctionalInterface
interface ValueNode {
    Object value(Event event);
}

package dev.tessera.core.filter;

import dev.tessera.core.event.Event;

/** A compiled condition: evaluates to {@link Truth#TRUE}, {@link Truth#FALSE} or {@link Truth#UNKNOWN}. */
@FunctionalInterface
interface ConditionNode {
    int truth(Event event);
}

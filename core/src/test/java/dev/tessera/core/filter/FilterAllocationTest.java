package dev.tessera.core.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.filter.FilterParser;
import dev.tessera.core.event.ArrayEvent;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.FieldLayout;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The shapes filters are made of evaluate without allocating: counted with the JVM's per-thread
 * allocation counter, which holds in the interpreter and compiled code alike (no timing involved).
 */
class FilterAllocationTest {
    private static final int EVALUATIONS = 200_000;

    @Test
    void commonShapesAllocateNothingPerEvent() {
        FieldLayout layout = FieldLayout.of("status", "amount", "country", "card", "is_test", "score");
        EventPredicate filter = FilterCompiler.compile(FilterParser.parse(
                "status == 'DECLINED' and amount >= 100 and amount < 5000.5 and country in ('DE', 'FR', 'NL')"
                        + " and card is not null and not is_test and status != 'X' and score <= 0.75"
                        + " and (score in (0.5, 7, 123456789) or country not in ('XX', 'YY'))"), layout);
        Event[] events = {
            new ArrayEvent(new Object[] {"DECLINED", 250L, "DE", "c1", false, 0.5}),
            new ArrayEvent(new Object[] {"DECLINED", 4_999L, "FR", "c2", false, 0.25}),
            new ArrayEvent(new Object[] {"APPROVED", 250.0, "NL", null, true, 0.9}),
            new ArrayEvent(new Object[] {null, null, null, null, null, Double.NaN}),
        };
        int passed = evaluate(filter, events); // warm up class loading and lambda linkage

        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
        long before = threads.getCurrentThreadAllocatedBytes();
        passed += evaluate(filter, events);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertThat(passed).isEqualTo(2 * EVALUATIONS / 4 * 2);
        assertThat(allocated).as("bytes allocated by %d evaluations", EVALUATIONS).isLessThan(EVALUATIONS / 10);
    }

    private static int evaluate(EventPredicate filter, Event[] events) {
        int passed = 0;
        for (int i = 0; i < EVALUATIONS; i++) {
            if (filter.test(events[i & 3])) {
                passed++;
            }
        }
        return passed;
    }
}

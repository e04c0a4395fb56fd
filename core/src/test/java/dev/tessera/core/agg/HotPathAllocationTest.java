package dev.tessera.core.agg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tessera.api.Aggregation;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * count and sum are the hot path: {@code add} must not allocate (nor must min/max and first/last,
 * which hold references to values the caller already boxed). Measured with the JVM's per-thread
 * allocation counter over a million adds, so the check is about bytes, not time; one allocation per
 * add would show as ≥ 16 MB.
 */
class HotPathAllocationTest {
    @ParameterizedTest
    @EnumSource(value = Aggregation.class, names = {"COUNT", "SUM", "AVG", "MIN", "MAX", "FIRST", "LAST"})
    void addAllocatesNothing(Aggregation kind) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Object[] values = new Object[1024];
        for (int i = 0; i < values.length; i++) {
            values[i] = i % 4 == 0 ? (Object) (i * 0.5) : (Object) (i * 1_000_003L);
        }
        Ir ir = Aggregators.create(kind).newIr();
        for (int i = 0; i < 200_000; i++) { // warm up: let the JIT compile add
            ir.add(values[i & 1023], i, null);
        }
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 1_000_000; i++) {
            ir.add(values[i & 1023], i, null);
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertThat(allocated).as("bytes allocated by 1M adds to %s", kind.yamlName()).isLessThan(64 * 1024);
        assertThat(ir.result()).isNotNull();
    }

    /**
     * last_k holds its entries' ids and string values in place (ADR 012): it keeps no pointer to
     * the event's strings (its values come back equal, not the same objects), and once its arrays
     * have room an add copies chars and allocates nothing.
     */
    @Test
    void lastKOfStringsAllocatesNothingOnceItsArraysFit() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        String[] cards = new String[1024];
        String[] ids = new String[1024];
        for (int i = 0; i < cards.length; i++) {
            cards[i] = "card-" + (i * 7919);
            ids[i] = "payment-" + i;
        }
        Ir ir = Aggregators.create(Aggregation.LAST_K, 5, 0).newIr();
        for (int i = 0; i < 200_000; i++) { // warm up: let the JIT compile add (and let the arrays reach their size)
            ir.add(cards[i & 1023], i, ids[i & 1023]);
        }
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 200_000; i < 1_200_000; i++) {
            ir.add(cards[i & 1023], i, ids[i & 1023]);
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertThat(allocated).as("bytes allocated by 1M adds to last_k").isLessThan(64 * 1024);
        java.util.List<?> result = (java.util.List<?>) ir.result();
        assertThat(result).isEqualTo(java.util.List.of(cards[1_199_999 & 1023], cards[1_199_998 & 1023], cards[1_199_997 & 1023],
                cards[1_199_996 & 1023], cards[1_199_995 & 1023]));
        assertThat(result.get(0)).as("the newest value, held as chars").isNotSameAs(cards[1_199_999 & 1023]);
    }

    /** top_k's exact form holds its values in place too: no pointer to the event's strings, and counting a held value allocates nothing. */
    @Test
    void topKHoldsItsValuesInPlace() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        String[] merchants = new String[8];
        for (int i = 0; i < merchants.length; i++) {
            merchants[i] = "merchant-" + (i * 7919);
        }
        Ir ir = Aggregators.create(Aggregation.TOP_K, 3, 0).newIr();
        for (int i = 0; i < 200_000; i++) {
            ir.add(merchants[i % (i < 100_000 ? 8 : 3)], i, null);
        }
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 1_000_000; i++) {
            ir.add(merchants[i % 3], i, null);
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertThat(allocated).as("bytes allocated by 1M adds to top_k").isLessThan(64 * 1024);
        java.util.List<?> result = (java.util.List<?>) ir.result();
        assertThat(result).hasSize(3);
        ValueCount top = (ValueCount) result.get(0);
        assertThat(java.util.List.of(merchants[0], merchants[1], merchants[2])).contains(top.value());
        for (String m : merchants) {
            assertThat(top.value()).as("the top value, held as chars").isNotSameAs(m);
        }
    }
}

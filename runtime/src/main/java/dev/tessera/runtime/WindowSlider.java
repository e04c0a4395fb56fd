package dev.tessera.runtime;

import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slides read windows off the read path (ADR 016). Shortly after each hour boundary of the wall
 * clock, this thread brings the read cache of every entity that has one up to that time
 * ({@link dev.tessera.core.tile.GroupAggregator#refreshReadCache}), under the entity's monitor, as
 * a reader would. The windows of hourly and daily hops then drop their oldest tiles here, once an
 * hour, instead of in the first read after the entity's next event, where those cold tiles made the
 * slowest reads (bench/RESULTS.md). Values are not changed, and an entity does not count as read, so
 * the runtime's sweep still frees the caches of entities nobody reads.
 *
 * <p>The read time of each entity is what a read would use: the clock, or just after the entity's
 * newest event when that is later (a read never moves a window back). Cost: one read per cached
 * entity per hour (microseconds each), on its own thread, with the entity's monitor held for one
 * read at a time.
 */
final class WindowSlider implements Runnable {
    static final long HOUR_MILLIS = 3_600_000L;
    /** How long after a boundary the pass starts: events of the new hour have started to arrive. */
    static final long DELAY_MILLIS = 1_000L;
    private static final Logger LOG = LoggerFactory.getLogger(WindowSlider.class);

    private final List<SourceRuntime> sources;
    private final LongSupplier clock;
    private volatile boolean stopping;

    WindowSlider(List<SourceRuntime> sources, LongSupplier clock) {
        this.sources = sources;
        this.clock = clock;
    }

    void stop() {
        stopping = true;
    }

    @Override
    public void run() {
        long next = nextPass(clock.getAsLong());
        while (!stopping) {
            long now = clock.getAsLong();
            if (now < next) {
                try {
                    Thread.sleep(Math.min(1_000, next - now));
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            try {
                int n = pass(now);
                LOG.debug("slid the read windows of {} entities to {}", n, now);
            } catch (RuntimeException e) { // never let a bad entity stop the pass for the next hours
                LOG.warn("sliding read windows failed: {}", e.toString(), e);
            }
            next = nextPass(now);
        }
    }

    static long nextPass(long now) {
        return now - Math.floorMod(now, HOUR_MILLIS) + HOUR_MILLIS + DELAY_MILLIS;
    }

    /** One pass at {@code now}: every entity with a read cache, in every group. Returns how many. */
    int pass(long now) {
        int n = 0;
        for (SourceRuntime s : sources) {
            for (GroupRuntime g : s.groups) {
                Object[] scratch = new Object[g.aggregator.servedNames().size()];
                for (EntityState st : g.entities.values()) {
                    if (stopping) {
                        return n;
                    }
                    synchronized (st) {
                        long t = st.maxEventTime != Long.MIN_VALUE && st.maxEventTime >= now ? st.maxEventTime + 1 : now;
                        if (g.aggregator.refreshReadCache(st.tiles, t, scratch)) {
                            n++;
                        }
                    }
                }
            }
        }
        return n;
    }
}

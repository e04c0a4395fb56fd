package dev.tessera.bench.e2e;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The stop-the-world collections of this JVM while it runs, as {@link System#nanoTime} intervals, so
 * the serving benchmark can say how many of its slow requests fell on a GC pause (the generator
 * runs in the server's JVM, so a pause stops both).
 *
 * <p>Source: the {@link GarbageCollectorMXBean} notifications, whose start and end are milliseconds
 * of JVM uptime (hence millisecond precision). With G1 they cover young, mixed and full pauses, not
 * the remark and cleanup pauses of a concurrent cycle; ZGC's "Cycles" bean (concurrent work, not a
 * pause) is skipped.
 */
final class GcPauses implements AutoCloseable {
    /** {@code System.nanoTime()} at JVM uptime 0. */
    private final long nanoAtUptimeZero;
    private final List<long[]> pauses = new ArrayList<>();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::handle;

    private GcPauses() {
        nanoAtUptimeZero = System.nanoTime() - ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000L;
    }

    static GcPauses watch() {
        GcPauses p = new GcPauses();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e && !gc.getName().contains("Cycles")) {
                e.addNotificationListener(p.listener, null, null);
                p.emitters.add(e);
            }
        }
        return p;
    }

    private void handle(Notification n, Object handback) {
        if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
            return;
        }
        GcInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()).getGcInfo();
        long start = nanoAtUptimeZero + info.getStartTime() * 1_000_000L;
        long end = nanoAtUptimeZero + Math.max(info.getEndTime(), info.getStartTime() + 1) * 1_000_000L;
        synchronized (pauses) {
            pauses.add(new long[] {start, end});
        }
    }

    /**
     * Whether a request due at {@code due} and answered at {@code done} (nanoTime) overlaps a pause,
     * or fell due at most {@code tailNanos} after one ended: with one request in flight per
     * connection, requests that fell due during a pause are sent one after another once it ends, and
     * the connection needs a while to catch up with its schedule.
     */
    boolean near(long due, long done, long tailNanos) {
        synchronized (pauses) {
            for (long[] p : pauses) {
                if (p[0] <= done && p[1] + tailNanos >= due) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void close() {
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (ListenerNotFoundException ignored) {
                // not registered: nothing to remove
            }
        }
    }
}

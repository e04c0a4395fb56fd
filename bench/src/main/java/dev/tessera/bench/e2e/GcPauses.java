package dev.tessera.bench.e2e;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The stop-the-world collections of this JVM while it runs, as {@link System#nanoTime} intervals, so
 * the serving benchmark can say how many of its slow requests fell on a GC pause (in one process a
 * pause stops both the generator and the server); and, when the server runs in another JVM, its
 * pauses read from its GC log ({@code -Xlog:gc:file=F:timemillis}: each "Pause" line ends with the
 * pause's length and is stamped, in epoch milliseconds, when the pause ended).
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
    /** The server's GC log, or null; how far it was read; its pauses as nanoTime intervals. */
    private final Path serverLog;
    private long serverLogRead;
    private final List<long[]> serverPauses = new ArrayList<>();
    private static final Pattern PAUSE = Pattern.compile("^\\[(\\d+)ms\\].* Pause .* (\\d+(?:\\.\\d+)?)ms$");

    private GcPauses(Path serverLog) {
        this.serverLog = serverLog;
        nanoAtUptimeZero = System.nanoTime() - ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000L;
    }

    static GcPauses watch() {
        return watch(null);
    }

    /** Watches this JVM's collections and, if {@code serverGcLog} is not null, the pauses the server logs there. */
    static GcPauses watch(Path serverGcLog) {
        GcPauses p = new GcPauses(serverGcLog);
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
        for (long[] p : serverPauses) {
            if (p[0] <= done && p[1] + tailNanos >= due) {
                return true;
            }
        }
        return false;
    }

    /** Whether the server's pauses are known (a server GC log was given). */
    boolean watchesServer() {
        return serverLog != null;
    }

    /** Reads the lines the server has added to its GC log since the last call (a no-op without one). */
    void refreshServer() {
        if (serverLog == null || !Files.exists(serverLog)) {
            return;
        }
        long epochMinusNano = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
        try (RandomAccessFile f = new RandomAccessFile(serverLog.toFile(), "r")) {
            f.seek(serverLogRead);
            byte[] rest = new byte[(int) Math.max(0, f.length() - serverLogRead)];
            f.readFully(rest);
            int lastNewline = -1;
            for (int i = rest.length - 1; i >= 0; i--) {
                if (rest[i] == '\n') {
                    lastNewline = i;
                    break;
                }
            }
            serverLogRead += lastNewline + 1;
            for (String line : new String(rest, 0, lastNewline + 1, StandardCharsets.UTF_8).split("\n")) {
                Matcher m = PAUSE.matcher(line.strip());
                if (m.matches()) {
                    long end = Long.parseLong(m.group(1)) * 1_000_000L - epochMinusNano;
                    long length = (long) (Double.parseDouble(m.group(2)) * 1_000_000L);
                    serverPauses.add(new long[] {end - length, end});
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the server's GC log " + serverLog, e);
        }
    }

    /** The server's pauses that ended between {@code from} and {@code to} (nanoTime): count, total and longest (ms). */
    double[] serverPausesBetween(long from, long to) {
        double count = 0;
        double total = 0;
        double max = 0;
        for (long[] p : serverPauses) {
            if (p[1] >= from && p[1] <= to) {
                double ms = (p[1] - p[0]) / 1e6;
                count++;
                total += ms;
                max = Math.max(max, ms);
            }
        }
        return new double[] {count, total, max};
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

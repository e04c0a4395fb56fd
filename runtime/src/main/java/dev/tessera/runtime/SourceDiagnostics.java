package dev.tessera.runtime;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * What {@code tessera doctor} asks a source beyond its metrics: per partition, when a record last
 * arrived (wall clock), its consumer lag and its newest event time; and the last dead letters with
 * their reasons and messages (no payloads: they may hold personal data).
 *
 * @param partitions     one entry per partition of the source's topic
 * @param deadLetters    the most recent dead letters, newest first (at most {@value #KEEP})
 * @param watermark      the source's watermark ({@link Long#MIN_VALUE} before any)
 * @param brokerSilenceMillis how long the consumer has been asking the broker for records without an
 *                       answer: 0 while it answers, growing while it is down or unreachable, -1 when
 *                       unknown ({@link StreamRuntime#brokerSilenceMillis})
 * @param fields         each field the source's features read, and how many events carried it ({@link FieldPresence})
 */
public record SourceDiagnostics(String source, String topic, List<Partition> partitions, List<DeadLetter> deadLetters,
                                long watermark, long brokerSilenceMillis, List<Field> fields) {
    static final int KEEP = 10;

    /**
     * @param lastArrival   wall-clock time the consumer last received a record of it, or 0 before any
     * @param lag           records not consumed yet, or -1 when unknown
     * @param maxEventTime  newest event time applied from it, or {@link Long#MIN_VALUE}
     */
    public record Partition(int partition, long lastArrival, long lag, long maxEventTime) {
    }

    public record DeadLetter(long at, int partition, long offset, String reason, String message) {
    }

    /**
     * @param readBy  the features reading it, e.g. {@code where of account_payments.declined_count}
     * @param events  decoded events of the source since the process started
     * @param present how many of them had the field, not null
     */
    public record Field(String field, List<String> readBy, long events, long present) {
    }

    /** The recent dead letters of one source, kept by the applier. */
    static final class Recent {
        private final Deque<DeadLetter> last = new ArrayDeque<>();

        synchronized void add(DeadLetter d) {
            last.addFirst(d);
            while (last.size() > KEEP) {
                last.removeLast();
            }
        }

        synchronized List<DeadLetter> list() {
            return List.copyOf(last);
        }
    }
}

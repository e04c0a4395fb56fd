package dev.tessera.runtime.decode;

import dev.tessera.core.event.Event;
import java.util.Objects;

/**
 * The outcome of decoding one record: an accepted {@link Event}, or a rejection with a
 * {@link RejectReason} and a message that says what was wrong, where, and how to fix it.
 *
 * <p>A small final class rather than a sealed pair of records: Java 17 has no pattern matching for
 * {@code switch}, and callers branch on {@link #isAccepted()} in the hot loop, so one type with
 * three fields is the cheapest shape. Rejections are the rare path and carry their message.
 */
public final class Decoded {
    private final Event event;
    private final RejectReason reason;
    private final String message;

    private Decoded(Event event, RejectReason reason, String message) {
        this.event = event;
        this.reason = reason;
        this.message = message;
    }

    public static Decoded accepted(Event event) {
        return new Decoded(Objects.requireNonNull(event, "event"), null, null);
    }

    public static Decoded rejected(RejectReason reason, String message) {
        return new Decoded(null, Objects.requireNonNull(reason, "reason"), Objects.requireNonNull(message, "message"));
    }

    public boolean isAccepted() {
        return event != null;
    }

    /**
     * The decoded event.
     *
     * @throws IllegalStateException when the record was rejected (the message includes why)
     */
    public Event event() {
        if (event == null) {
            throw new IllegalStateException("the record was rejected (" + reason.code() + "): " + message);
        }
        return event;
    }

    /** Why the record was rejected; null when accepted. */
    public RejectReason reason() {
        return reason;
    }

    /** What was wrong, where, and how to fix it; null when accepted. */
    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return event != null ? "accepted " + event : "rejected " + reason.code() + ": " + message;
    }
}

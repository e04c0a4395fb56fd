package dev.tessera.offline.training;

import dev.tessera.core.event.EventTimes;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** The {@code ts} column of a spine, in every form a spine may give it. */
final class SpineTimes {
    private SpineTimes() {
    }

    /**
     * A spine {@code ts}: epoch milliseconds (a number, or digits), an ISO-8601 instant or offset
     * date-time, a local date-time (read as UTC) or a date (its midnight, UTC).
     *
     * @throws IllegalArgumentException saying what the value was and what is accepted
     */
    static long parse(Object v) {
        if (v == null) {
            throw new IllegalArgumentException("is empty; give epoch milliseconds or an ISO-8601 time such as 2026-11-26T10:15:00Z");
        }
        if (v instanceof Instant i) {
            return i.toEpochMilli();
        }
        if (!(v instanceof String s)) {
            return EventTimes.toEpochMillis(v);
        }
        String t = s.strip();
        if (!t.isEmpty() && t.chars().allMatch(ch -> ch >= '0' && ch <= '9' || ch == '-') && t.lastIndexOf('-') <= 0) {
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + s + "' is not a number of epoch milliseconds");
            }
        }
        try {
            return Instant.parse(t).toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return OffsetDateTime.parse(t).toInstant().toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + s + "' is neither epoch milliseconds nor an ISO-8601 time such as 2026-11-26T10:15:00Z");
        }
    }
}

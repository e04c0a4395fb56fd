package dev.tessera.core.event;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Event-time values as sources carry them (SPEC §2): epoch milliseconds (a number, or a string of
 * digits) or an ISO-8601 string ({@code 2026-11-26T01:54:29.123Z}, with an offset, or without a zone,
 * which is read as UTC).
 */
public final class EventTimes {
    private EventTimes() {}

    /**
     * Epoch millis of a timestamp field value.
     *
     * @throws IllegalArgumentException saying what the value was and what is accepted
     */
    public static long toEpochMillis(Object value) {
        if (value instanceof Long l) {
            return l;
        }
        if (value instanceof Double d) {
            if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 9.0e15) {
                return d.longValue();
            }
            throw new IllegalArgumentException("timestamp " + d + " is not a whole number of epoch milliseconds");
        }
        if (value instanceof String s) {
            return parse(s.trim());
        }
        if (value == null) {
            throw new IllegalArgumentException("timestamp is missing; expected epoch milliseconds or an ISO-8601 string");
        }
        throw new IllegalArgumentException("timestamp " + value + " (" + value.getClass().getSimpleName()
                + ") is neither epoch milliseconds nor an ISO-8601 string");
    }

    /**
     * ISO-8601 reaches years ±999,999,999, epoch millis only ±292,278,994: {@code toEpochMilli} throws
     * {@link ArithmeticException} beyond that, which must surface as a bad timestamp like any other,
     * never escape (the stream would stop on it, and stop again on every replay).
     */
    private static long parse(String s) {
        if (!s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9') && s.length() <= 18) {
            return Long.parseLong(s);
        }
        try {
            try {
                return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                // try the next form
            }
            try {
                return Instant.parse(s).toEpochMilli();
            } catch (DateTimeParseException e) {
                // try the next form
            }
            return LocalDateTime.parse(s, DateTimeFormatter.ISO_LOCAL_DATE_TIME).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("timestamp '" + abbreviate(s) + "' is not ISO-8601 (e.g. "
                    + "2026-11-26T01:54:29.123Z) nor epoch milliseconds");
        } catch (DateTimeException | ArithmeticException e) {
            throw new IllegalArgumentException("timestamp '" + abbreviate(s) + "' is out of range: epoch milliseconds"
                    + " reach years -292275055 to +292278994");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}

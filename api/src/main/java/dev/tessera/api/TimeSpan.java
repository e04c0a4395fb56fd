package dev.tessera.api;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A duration as written in definitions: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 7d}.
 * {@link #text()} is the canonical spelling (largest unit that divides it exactly), used in served
 * feature names ({@code declined_count_1h}).
 */
public record TimeSpan(long millis) implements Comparable<TimeSpan> {
    public static final long SECOND = 1_000L;
    public static final long MINUTE = 60 * SECOND;
    public static final long HOUR = 60 * MINUTE;
    public static final long DAY = 24 * HOUR;

    /** Candidate default hops, smallest first (SPEC §3). */
    public static final List<TimeSpan> HOP_CANDIDATES = List.of(
            new TimeSpan(SECOND), new TimeSpan(10 * SECOND), new TimeSpan(MINUTE),
            new TimeSpan(5 * MINUTE), new TimeSpan(HOUR), new TimeSpan(DAY));

    /** A window is split into at least this many hops by the default hop rule. */
    public static final int MIN_HOPS_PER_WINDOW = 12;

    private static final Pattern SYNTAX = Pattern.compile("(\\d{1,12})(ms|s|m|h|d|w)");

    public TimeSpan {
        if (millis <= 0) {
            throw new IllegalArgumentException("a time span must be positive, got " + millis + " ms");
        }
    }

    /**
     * Parses {@code <digits><unit>} with unit one of ms, s, m, h, d, w.
     *
     * @throws IllegalArgumentException with a message that says what would be right
     */
    public static TimeSpan parse(String text) {
        String t = text == null ? "" : text.trim();
        Matcher m = SYNTAX.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; write a positive whole number"
                    + " followed by a unit: ms, s, m, h, d or w (e.g. 10m, 1h, 7d)");
        }
        long n = Long.parseLong(m.group(1));
        if (n == 0) {
            throw new IllegalArgumentException("duration '" + text + "' is zero; windows and hops must be positive");
        }
        long unit = switch (m.group(2)) {
            case "ms" -> 1L;
            case "s" -> SECOND;
            case "m" -> MINUTE;
            case "h" -> HOUR;
            case "d" -> DAY;
            default -> 7 * DAY;
        };
        return new TimeSpan(Math.multiplyExact(n, unit));
    }

    /** Canonical text: the largest of d, h, m, s, ms dividing the span exactly. */
    public String text() {
        if (millis % DAY == 0) return millis / DAY + "d";
        if (millis % HOUR == 0) return millis / HOUR + "h";
        if (millis % MINUTE == 0) return millis / MINUTE + "m";
        if (millis % SECOND == 0) return millis / SECOND + "s";
        return millis + "ms";
    }

    /**
     * The default hop of a window of this length (SPEC §3): the largest candidate that divides it
     * and gives at least {@value #MIN_HOPS_PER_WINDOW} hops; failing that, the largest candidate
     * that divides it at all; {@code null} when no candidate divides it (the feature must then
     * set {@code hop} explicitly).
     */
    public TimeSpan defaultHop() {
        for (int i = HOP_CANDIDATES.size() - 1; i >= 0; i--) {
            TimeSpan hop = HOP_CANDIDATES.get(i);
            if (millis % hop.millis == 0 && millis / hop.millis >= MIN_HOPS_PER_WINDOW) {
                return hop;
            }
        }
        for (int i = HOP_CANDIDATES.size() - 1; i >= 0; i--) {
            TimeSpan hop = HOP_CANDIDATES.get(i);
            if (millis % hop.millis == 0) {
                return hop;
            }
        }
        return null;
    }

    @Override
    public int compareTo(TimeSpan o) {
        return Long.compare(millis, o.millis);
    }

    @Override
    public String toString() {
        return text();
    }
}

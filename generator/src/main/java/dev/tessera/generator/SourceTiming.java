package dev.tessera.generator;

/**
 * What disorder injection needs to know of a source's time rules (SPEC §3): how far behind the
 * newest event an event may be and still count ({@code lateness}), and how far ahead of the clock
 * an event may be before it is rejected as {@code future}.
 */
public record SourceTiming(long latenessMillis, long maxClockSkewMillis) {
    public static final long DEFAULT_MAX_CLOCK_SKEW_MILLIS = 5 * 60_000L;

    public SourceTiming {
        if (latenessMillis < 0 || maxClockSkewMillis < 0) {
            throw new IllegalArgumentException("lateness and clock skew must not be negative, got "
                    + latenessMillis + " ms and " + maxClockSkewMillis + " ms");
        }
    }
}

package dev.tessera.core.tile;

import dev.tessera.api.TimeSpan;

/**
 * Window arithmetic: one served window, its hop, and which tiles a read covers.
 *
 * <h2>Sawtooth windows (SPEC §3)</h2>
 * A window of length {@code W} with hop {@code h}, read at time {@code t}, covers the events with
 * <pre>
 *     floor_h(t - W)  &lt;=  event_time  &lt;  t            floor_h(x) = floorDiv(x, h) * h
 * </pre>
 * The end is exact to the millisecond; the start is aligned down to a hop boundary, so the span is
 * between {@code W} and {@code W + h} (a "sawtooth": it grows by up to one hop, then drops back when
 * {@code t - W} crosses the next boundary). Alignment makes a window a union of whole tiles
 * {@code [s, s + h)} with {@code s = floor_h(event_time)}: tiles whose start is in
 * {@code [floor_h(t - W), t)}. Only the newest covered tile can straddle {@code t}; it is exact as
 * long as nothing at or after {@code t} has been applied to it, which is the read precondition of
 * {@link GroupAggregator} (the runtime holds back events from the future; offline paths apply
 * events in time order).
 *
 * <p>A lifetime window covers every event with {@code event_time < t}: one tile, never evicted.
 *
 * <p>All arithmetic uses {@link Math#floorDiv} so negative times (before 1970) align like positive
 * ones; {@link #startAt} saturates instead of overflowing near {@link Long#MIN_VALUE}.
 */
public record WindowSpec(long windowMillis, long hopMillis) {
    /** Marker hop of lifetime windows. */
    public static final long LIFETIME = 0L;

    public static WindowSpec lifetime() {
        return new WindowSpec(LIFETIME, LIFETIME);
    }

    public static WindowSpec of(TimeSpan window, TimeSpan hop) {
        return new WindowSpec(window.millis(), hop.millis());
    }

    public WindowSpec {
        if (hopMillis != LIFETIME && (windowMillis <= 0 || hopMillis <= 0 || windowMillis % hopMillis != 0)) {
            throw new IllegalArgumentException("window " + windowMillis + " ms is not a positive multiple of hop "
                    + hopMillis + " ms");
        }
    }

    public boolean isLifetime() {
        return hopMillis == LIFETIME;
    }

    /** Start of the tile of length {@code hop} that holds an event at {@code time}. */
    public static long tileStart(long time, long hop) {
        return Math.floorDiv(time, hop) * hop;
    }

    /** First tile start a read at {@code t} covers (inclusive); {@code Long.MIN_VALUE} for lifetime. */
    public long startAt(long t) {
        if (isLifetime()) {
            return Long.MIN_VALUE;
        }
        long from = t - windowMillis;
        if (from > t) { // overflow below Long.MIN_VALUE
            return Long.MIN_VALUE;
        }
        return tileStart(from, hopMillis);
    }
}

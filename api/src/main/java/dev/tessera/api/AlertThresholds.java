package dev.tessera.api;

/**
 * When a source's health raises an alert ({@code alerts:} of a Source; SPEC §8).
 *
 * @param freshness  now minus the newest applied event time above this fires {@code freshness}
 * @param lag        records not consumed yet above this fires {@code lag}
 * @param rejectRate the share of events read in the alert window that were rejected (dead-lettered:
 *                   malformed, late, future, missing key...; duplicates are not rejects) above this
 *                   fires {@code reject_rate}
 */
public record AlertThresholds(TimeSpan freshness, long lag, double rejectRate) {
    public static final AlertThresholds DEFAULTS = new AlertThresholds(TimeSpan.parse("5m"), 100_000, 0.05);
}

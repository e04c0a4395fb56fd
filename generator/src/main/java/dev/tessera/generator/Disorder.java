package dev.tessera.generator;

/**
 * A deliberate imperfection in the generated stream, and what Tessera's runtime does with it.
 *
 * <p>Each kind has a precise meaning over the delivered stream (in delivery order, across sources),
 * so a test can recount it from the output alone:
 * <ul>
 *   <li>the <em>newest time</em> of a source is the greatest event time among its earlier records
 *       that are well-formed and not {@link #FUTURE} or {@link #DUPLICATE};</li>
 *   <li>the <em>clock</em> is the greatest such event time across every source.</li>
 * </ul>
 * A record is {@link #BROKEN_JSON}, {@link #MISSING_KEY} or {@link #WRONG_TYPE} when it is not a
 * well-formed event; else {@link #DUPLICATE} when its id was delivered before; else {@link #FUTURE}
 * when its time is more than the source's maximum clock skew plus one hour beyond the clock; else
 * {@link #LATE} when its time is before the source's newest time minus its lateness; else
 * {@link #OUT_OF_ORDER} when it is before the source's newest time. Everything else is in order.
 *
 * <p>The hour keeps the rule true of the world's own records after a quiet spell: the world never
 * goes an hour without an event at any useful rate (a gap that long is about e^-16 likely per
 * session even at 0.01 events/s).
 */
public enum Disorder {
    /** Delivered after the source's lateness has passed: the runtime drops it as {@code late}. */
    LATE("late", "late"),
    /** Behind newer events, but within the source's lateness: the runtime applies it. */
    OUT_OF_ORDER("out_of_order", "applied"),
    /** The same record sent again shortly after (a producer retry): the runtime counts it once. */
    DUPLICATE("duplicate", "duplicate"),
    /** The record is cut short, so it is not valid JSON. */
    BROKEN_JSON("broken_json", "malformed"),
    /** Every entity key field is missing ({@code account_id}, {@code card_fingerprint}, {@code device_id}, {@code ip}). */
    MISSING_KEY("missing_key", "missing_key"),
    /** {@code event_time} is a local date string ({@code "01/31/2026 14:05:09"}) instead of epoch millis. */
    WRONG_TYPE("wrong_type", "bad_timestamp"),
    /**
     * Event time far ahead of the clock: written in microseconds instead of milliseconds (a producer
     * bug), tens of thousands of years ahead, so the runtime rejects it whatever its clock.
     */
    FUTURE("future", "future");

    private final String code;
    private final String runtimeOutcome;

    Disorder(String code, String runtimeOutcome) {
        this.code = code;
        this.runtimeOutcome = runtimeOutcome;
    }

    /** {@code late}, {@code out_of_order}, ... as printed in summaries. */
    public String code() {
        return code;
    }

    /**
     * What Tessera's runtime does with such a record: its dead-letter reason code, or
     * {@code applied} / {@code duplicate}. A {@code late} record is applied instead when the
     * runtime's watermark is held back (by a partition that is behind, or because it is recomputed
     * once per polled batch).
     */
    public String runtimeOutcome() {
        return runtimeOutcome;
    }

    /** True for the three kinds of record that are not a well-formed event. */
    public boolean malformed() {
        return this == BROKEN_JSON || this == MISSING_KEY || this == WRONG_TYPE;
    }

    @Override
    public String toString() {
        return code;
    }
}

package dev.tessera.runtime;

import dev.tessera.schemas.SchemaRegistryUnavailableException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tessera.api.Definitions;
import dev.tessera.api.FeatureGroup;
import dev.tessera.api.Source;
import dev.tessera.core.event.Event;
import dev.tessera.core.event.EventTimes;
import dev.tessera.core.event.FieldLayout;
import dev.tessera.runtime.decode.Decoded;
import dev.tessera.runtime.decode.EventDecoder;
import dev.tessera.runtime.decode.RejectReason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The acceptance rules of SPEC §3 that look at one event alone (and the wall clock), in one place
 * for every engine that reads a source: the stream ({@code Applier}) and the event archive apply the
 * very same checks, so they cannot disagree about which events are valid.
 * <ol>
 *   <li>{@link #decode}: the decoder's verdict, and a tombstone (no value) is malformed;</li>
 *   <li>{@link #eventTime}: the timestamp field holds epoch millis or ISO-8601 ({@code bad_timestamp});</li>
 *   <li>{@link #isFuture}: not beyond the wall clock plus {@code max_clock_skew} ({@code future});</li>
 *   <li>{@link #hasAnyKey}: some group of the source can key it ({@code missing_key}); a source
 *       without groups needs no key.</li>
 * </ol>
 * Lateness and duplicates depend on what came before, so each engine keeps that state itself: the
 * stream drops late events, the archive keeps them (ADR 008). Immutable and thread-safe.
 */
public final class EventRules {
    private static final Logger LOG = LoggerFactory.getLogger(EventRules.class);
    private final Source source;
    private final int timestampSlot;
    private final int idSlot;
    private final int[][] groupKeySlots;
    private final List<List<String>> groupKeyFields;
    private final List<String> keyFields;
    private final long maxClockSkewMillis;

    public EventRules(Definitions defs, Source source, FieldLayout layout) {
        this.source = source;
        this.timestampSlot = layout.requireSlot(source.timestamp());
        this.idSlot = source.id() == null ? -1 : layout.requireSlot(source.id());
        List<FeatureGroup> groups = List.copyOf(defs.groupsOf(source));
        this.groupKeySlots = new int[groups.size()][];
        List<List<String>> fields = new ArrayList<>();
        List<String> distinct = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            List<String> keys = defs.entityOf(groups.get(g)).keys();
            groupKeySlots[g] = keys.stream().mapToInt(layout::requireSlot).toArray();
            fields.add(List.copyOf(keys));
            for (String k : keys) {
                if (!distinct.contains(k)) {
                    distinct.add(k);
                }
            }
        }
        this.groupKeyFields = List.copyOf(fields);
        this.keyFields = List.copyOf(distinct);
        this.maxClockSkewMillis = source.maxClockSkew().millis();
    }

    /** The record's verdict from {@code decoder}; a record without a value (a tombstone) is malformed. */
    public static Decoded decode(EventDecoder decoder, byte[] value, long offset) {
        return value == null
                ? Decoded.rejected(RejectReason.MALFORMED, "record at offset " + offset
                        + " has no value (a tombstone); events must be JSON or Avro records")
                : decoder.decode(value);
    }

    /**
     * {@link #decode}, waiting out a schema registry that cannot be reached: a registry outage says
     * nothing about the record, so it is neither dead-lettered nor skipped; the caller's thread
     * retries (backoff 0.1 s doubling to 5 s) and its source pauses, logging once when it starts and
     * once when it ends.
     *
     * @param stopping checked between retries
     * @throws SchemaRegistryUnavailableException when {@code stopping} turned true while waiting: the
     *     record was not decoded, and the caller must not treat it as processed
     */
    public static Decoded decodeWaiting(EventDecoder decoder, byte[] value, String topic, int partition, long offset,
            BooleanSupplier stopping) throws InterruptedException {
        long backoff = 100;
        boolean waited = false;
        while (true) {
            try {
                Decoded d = decode(decoder, value, offset);
                if (waited) {
                    LOG.info("{}: the schema registry answers again; consuming resumes", topic);
                }
                return d;
            } catch (SchemaRegistryUnavailableException e) {
                if (stopping.getAsBoolean()) {
                    throw e;
                }
                if (!waited) {
                    waited = true;
                    LOG.warn("{}: cannot decode the record at partition {} offset {}: {}; consuming pauses and retries"
                            + " until the registry answers", topic, partition, offset, e.getMessage());
                }
                Thread.sleep(backoff);
                backoff = Math.min(5_000, backoff * 2);
            }
        }
    }

    /**
     * The event time of {@code e} in epoch millis.
     *
     * @throws IllegalArgumentException ({@code bad_timestamp}) naming the field, what it held and what is accepted
     */
    public long eventTime(Event e) {
        try {
            return EventTimes.toEpochMillis(e.get(timestampSlot));
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("field '" + source.timestamp() + "': " + ex.getMessage(), ex);
        }
    }

    /** True when {@code eventTime} is more than {@code max_clock_skew} after the wall clock {@code now}. */
    public boolean isFuture(long eventTime, long now) {
        return eventTime > now + maxClockSkewMillis;
    }

    /** Why {@link #isFuture} rejected an event, and what to fix. */
    public String futureMessage(long eventTime, long now) {
        return "event time " + instant(eventTime) + " is more than max_clock_skew " + source.maxClockSkew()
                + " ahead of the clock (" + instant(now) + "); fix the producer's clock"
                + " or its timestamp unit (epoch milliseconds expected)";
    }

    /** The source's groups, in definition order: {@link #keyOf} takes an index into them. */
    public int groups() {
        return groupKeySlots.length;
    }

    /** The entity of group {@code group} {@code e} belongs to (see {@link EntityKeys#of}), or null. */
    public String keyOf(Event e, int group) {
        return EntityKeys.of(e, groupKeySlots[group]);
    }

    /** True when some group can key {@code e}, or the source feeds no group. */
    public boolean hasAnyKey(Event e) {
        for (int[] slots : groupKeySlots) {
            if (EntityKeys.of(e, slots) != null) {
                return true;
            }
        }
        return groupKeySlots.length == 0;
    }

    /** Why {@link #hasAnyKey} rejected an event. */
    public String missingKeyMessage() {
        return "no value for the key field(s) of any group of source " + source.name() + ": "
                + groupKeyFields.stream().distinct().toList();
    }

    /** The event's id as text (see {@link EntityKeys#text}), or null when it has none or the source names no id field. */
    public String id(Event e) {
        return idSlot < 0 ? null : EntityKeys.text(e.get(idSlot));
    }

    /** Every key field of every group the source feeds, each once, in definition order. */
    public List<String> keyFields() {
        return keyFields;
    }

    public Source source() {
        return source;
    }

    public static String instant(long millis) {
        try {
            return Instant.ofEpochMilli(millis).toString();
        } catch (RuntimeException e) {
            return millis + " ms";
        }
    }
}

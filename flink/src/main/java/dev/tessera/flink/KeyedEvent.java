package dev.tessera.flink;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * An accepted event on its way to one feature group's entity: the group (index into the job's
 * groups), the entity key (as {@code EntityKeys} renders it), the event time, id and fields.
 * {@link #routingKey} is what the job keys by; {@link KeyedEventSerializer} carries it over the
 * keyed exchange.
 */
@TypeInfo(KeyedEventSerializer.Factory.class)
public final class KeyedEvent {
    public int group;
    public String entity;
    public long eventTime;
    public String id;
    public byte[] fields;
    /**
     * The copy for the first group the event feeds: the one that counts the event (accepted, late,
     * duplicate) and dead-letters it when late, so an event is counted and dead-lettered once.
     */
    public boolean primary;
    /** Where it came from and its record's key and value: for a late event's dead letter (primary copy only). */
    public String topic;
    public int partition;
    public long offset;
    public byte[] key;
    public byte[] value;
    /** The record's sampled trace context ({@link SourceRecord#trace}), or null. */
    public String trace;

    public KeyedEvent() {}

    /** Group and entity in one string: one Flink key per (group, entity). */
    public String routingKey() {
        return group + "\u0000" + entity;
    }
}

package dev.tessera.flink;

/**
 * One Kafka record after decoding and the single-event rules (SPEC §3): accepted, with its event
 * time, id and field values (in the source's field layout, encoded by {@link FieldCodec}), or
 * rejected, with the reason code and message the dead-letter topic carries. A Flink POJO: public
 * fields and a no-argument constructor.
 */
public final class SourceRecord {
    public String topic;
    public int partition;
    public long offset;
    public byte[] key;
    /** The record's value: a rejected or late record's dead letter carries it. */
    public byte[] value;
    /** Null when accepted, else the {@code RejectReason} code. */
    public String rejectReason;
    public String rejectMessage;
    public long eventTime;
    public String id;
    /** The decoded field values ({@link FieldCodec}): set for every record the decoder accepted, also when a later rule rejected it. */
    public byte[] fields;
    /** The sampled W3C trace context the record's headers carried, when the job traces (ADR 024); else null. */
    public String trace;

    public SourceRecord() {}

    public boolean accepted() {
        return rejectReason == null;
    }
}

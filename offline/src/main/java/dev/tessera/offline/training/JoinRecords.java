package dev.tessera.offline.training;

import static dev.tessera.offline.training.SpillValues.DOUBLE;
import static dev.tessera.offline.training.SpillValues.FALSE;
import static dev.tessera.offline.training.SpillValues.LONG;
import static dev.tessera.offline.training.SpillValues.NULL;
import static dev.tessera.offline.training.SpillValues.STRING;
import static dev.tessera.offline.training.SpillValues.TRUE;

import dev.tessera.core.event.Event;
import dev.tessera.offline.archive.ArchivedEvent;
import java.io.IOException;

/**
 * The byte layout of the training-set spill files (one owner; the files live only during a build).
 *
 * <h2>Spine record</h2>
 * <pre>
 *   string   entity key
 *   long     ts (epoch millis)
 *   varint   row number in the spine
 * </pre>
 *
 * <h2>Event record</h2>
 * An archived event decoded once, in the event pass, and kept as just the values the entity's
 * groups read, so the join never decodes again and a record is ~40 bytes instead of the event's
 * whole raw form:
 * <pre>
 *   byte     source index (0..127); bit 7 set: RAW form
 *   string   entity key
 *   long     event time
 *   long     ingest time
 *   svarint  partition (-1 for imported rows)
 *   svarint  offset
 *   string   id (nullable)
 *   DECODED: one value per spilled slot of the source (see JoinPlan), each a tag byte and its payload:
 *              0 null · 1 long (8 bytes) · 2 double (8 bytes, IEEE 754 bits) · 3 string · 4 true · 5 false
 *   RAW:     varint length, the record value as archived (decoded again in the join)
 * </pre>
 * The decoded form holds the canonical event values exactly ({@link Event}: null, Boolean, Long,
 * Double, String), so the join applies the very values the decoder produced. An event carrying any
 * other kind of value in a spilled slot is written RAW instead and decoded again where it is applied.
 * Strings are a varint {@code length + 1} (0 for null) and UTF-8; longs big-endian; svarint zig-zag.
 */
final class JoinRecords {
    private JoinRecords() {
    }

    static final int RAW = 0x80;

    static void writeSpine(SpillOutput out, String key, long ts, long row) throws IOException {
        out.writeString(key);
        out.writeLong(ts);
        out.writeVarint(row);
    }

    /** True when every value the record would hold has a canonical type (else write it {@link #RAW}). */
    static boolean decodable(Event e, int[] slots) {
        for (int slot : slots) {
            Object v = e.get(slot);
            if (v != null && !(v instanceof String) && !(v instanceof Long) && !(v instanceof Double) && !(v instanceof Boolean)) {
                return false;
            }
        }
        return true;
    }

    /** An event record; {@code decoded} null, or not {@link #decodable}, writes the RAW form. */
    static void writeEvent(SpillOutput out, int source, String key, ArchivedEvent ev, Event decoded, int[] slots) throws IOException {
        boolean raw = decoded == null || !decodable(decoded, slots);
        out.writeByte(source | (raw ? RAW : 0));
        out.writeString(key);
        out.writeLong(ev.eventTime());
        out.writeLong(ev.ingestTime());
        out.writeSignedVarint(ev.partition());
        out.writeSignedVarint(ev.offset());
        out.writeString(ev.id());
        if (raw) {
            out.writeVarint(ev.raw().length);
            out.write(ev.raw(), 0, ev.raw().length);
            return;
        }
        for (int slot : slots) {
            Object v = decoded.get(slot);
            if (v == null) {
                out.writeByte(NULL);
            } else if (v instanceof String s) {
                out.writeByte(STRING);
                out.writeString(s);
            } else if (v instanceof Long l) {
                out.writeByte(LONG);
                out.writeLong(l);
            } else if (v instanceof Double d) {
                out.writeByte(DOUBLE);
                out.writeLong(Double.doubleToRawLongBits(d));
            } else {
                out.writeByte((Boolean) v ? TRUE : FALSE);
            }
        }
    }

    /**
     * Reads the decoded values of a record positioned after its id into {@code values} at
     * {@code slots} (other slots are left as they are: null).
     */
    static void readValues(SpillInput in, int[] slots, Object[] values) throws IOException {
        for (int slot : slots) {
            int tag = in.readByte();
            values[slot] = switch (tag) {
                case NULL -> null;
                case LONG -> in.readLong();
                case DOUBLE -> Double.longBitsToDouble(in.readLong());
                case STRING -> in.readString();
                case TRUE -> Boolean.TRUE;
                case FALSE -> Boolean.FALSE;
                default -> throw new IllegalStateException("corrupt training-set spill file: value tag " + tag);
            };
        }
    }

    /** Skips the values (DECODED, {@code slotCount} of them) or the raw bytes of a record positioned after its id. */
    static void skipPayload(SpillInput in, boolean raw, int slotCount) throws IOException {
        if (raw) {
            in.skip((int) in.readVarint());
            return;
        }
        for (int i = 0; i < slotCount; i++) {
            int tag = in.readByte();
            if (tag == LONG || tag == DOUBLE) {
                in.skip(8);
            } else if (tag == STRING) {
                in.skipString();
            }
        }
    }

    /**
     * Copies the rest of an event record positioned after its key (its flags and key were read and
     * written by the caller, which chose {@code out} by the key): splitting a bucket.
     */
    static void copyEventRest(SpillInput in, SpillOutput out, boolean raw, int slotCount) throws IOException {
        out.writeLong(in.readLong());
        out.writeLong(in.readLong());
        out.writeVarint(in.readVarint());
        out.writeVarint(in.readVarint());
        out.writeString(in.readString());
        if (raw) {
            int n = (int) in.readVarint();
            out.writeVarint(n);
            in.copyTo(out, n);
            return;
        }
        for (int i = 0; i < slotCount; i++) {
            int tag = in.readByte();
            out.writeByte(tag);
            if (tag == LONG || tag == DOUBLE) {
                out.writeLong(in.readLong());
            } else if (tag == STRING) {
                out.writeString(in.readString());
            }
        }
    }

    /** The raw bytes of a RAW record positioned after its id. */
    static byte[] readRaw(SpillInput in) throws IOException {
        int n = (int) in.readVarint();
        byte[] b = new byte[n];
        in.skip(n);
        System.arraycopy(in.data, in.pos - n, b, 0, n);
        return b;
    }
}

package dev.tessera.core.agg;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.codec.CorruptDataException;

/**
 * The order of events used by first, last and last_k (SPEC §3: "last takes the event with the
 * greatest (event_time, id)"), and the encoding of an event id.
 *
 * <p>Events are ordered by event time, then by id, where a missing (null) id sorts before every
 * id and ids compare by {@link String#compareTo}; events that tie on both are ordered by their
 * value in {@link ValueOrder}. Ties on all three are equal values, so first/last/last_k results
 * never depend on the order in which events were added or IRs merged.
 *
 * <p>Id encoding: one byte {@code 0x00} for no id, or {@code 0x01} followed by the id as a
 * varint-length-prefixed UTF-8 string.
 */
final class EventOrder {
    private static final int NO_ID = 0x00;
    private static final int ID = 0x01;

    private EventOrder() {
    }

    static int compare(long time1, String id1, Object value1, long time2, String id2, Object value2) {
        int c = Long.compare(time1, time2);
        if (c != 0) {
            return c;
        }
        c = compareIds(id1, id2);
        return c != 0 ? c : ValueOrder.compare(value1, value2);
    }

    private static int compareIds(String a, String b) {
        if (a == null) {
            return b == null ? 0 : -1;
        }
        return b == null ? 1 : a.compareTo(b);
    }

    static void writeId(ByteWriter out, String id) {
        if (id == null) {
            out.writeByte(NO_ID);
        } else {
            out.writeByte(ID).writeString(id);
        }
    }

    /** {@link #writeId(ByteWriter, String)} of the id {@code chars[off, off + len)}, or of no id when {@code len < 0}. */
    static void writeId(ByteWriter out, char[] chars, int off, int len) {
        if (len < 0) {
            out.writeByte(NO_ID);
        } else {
            out.writeByte(ID).writeString(chars, off, len);
        }
    }

    /**
     * The id order of {@link #compare} (no id first, then {@link String#compareTo}) between
     * {@code a[aOff, aOff + aLen)} and {@code b[bOff, bOff + bLen)}; a length of -1 is no id.
     */
    static int compareIds(char[] a, int aOff, int aLen, char[] b, int bOff, int bLen) {
        if (aLen < 0 || bLen < 0) {
            return aLen < 0 ? (bLen < 0 ? 0 : -1) : 1;
        }
        int n = Math.min(aLen, bLen);
        for (int i = 0; i < n; i++) {
            char x = a[aOff + i];
            char y = b[bOff + i];
            if (x != y) {
                return x - y;
            }
        }
        return aLen - bLen;
    }

    /** The same between the id {@code a} (null: no id) and {@code b[bOff, bOff + bLen)}. */
    static int compareIds(String a, char[] b, int bOff, int bLen) {
        if (a == null || bLen < 0) {
            return a == null ? (bLen < 0 ? 0 : -1) : 1;
        }
        int n = Math.min(a.length(), bLen);
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i);
            char y = b[bOff + i];
            if (x != y) {
                return x - y;
            }
        }
        return a.length() - bLen;
    }

    static String readId(ByteReader in) {
        int at = in.position();
        int marker = in.readByte();
        if (marker == NO_ID) {
            return null;
        }
        if (marker == ID) {
            return in.readString();
        }
        throw new CorruptDataException("bad event id marker 0x" + Integer.toHexString(marker) + " at offset " + at);
    }
}

package dev.tessera.schemas;

/**
 * The Confluent wire format, the one owner of its bytes:
 * <pre>
 *   byte 0      magic byte = 0
 *   bytes 1-4   schema id, big-endian int (the registry's global id of the writer schema)
 *   bytes 5-    the Avro binary encoding of one datum with that schema
 * </pre>
 */
public final class ConfluentWireFormat {
    public static final byte MAGIC = 0;
    public static final int HEADER_BYTES = 5;

    private ConfluentWireFormat() {
    }

    /** True when {@code value} is long enough for the header and starts with the magic byte. */
    public static boolean hasHeader(byte[] value) {
        return value != null && value.length >= HEADER_BYTES && value[0] == MAGIC;
    }

    /** The schema id of a value that {@link #hasHeader has a header}. */
    public static int schemaId(byte[] value) {
        return (value[1] & 0xff) << 24 | (value[2] & 0xff) << 16 | (value[3] & 0xff) << 8 | value[4] & 0xff;
    }

    /** The header for {@code schemaId} followed by {@code avroBody}. */
    public static byte[] frame(int schemaId, byte[] avroBody) {
        byte[] out = new byte[HEADER_BYTES + avroBody.length];
        out[0] = MAGIC;
        out[1] = (byte) (schemaId >>> 24);
        out[2] = (byte) (schemaId >>> 16);
        out[3] = (byte) (schemaId >>> 8);
        out[4] = (byte) schemaId;
        System.arraycopy(avroBody, 0, out, HEADER_BYTES, avroBody.length);
        return out;
    }
}

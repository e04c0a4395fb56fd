package dev.tessera.core.tile;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.codec.CorruptDataException;
import java.util.Arrays;
import java.util.List;

/**
 * Address of one tile in an online store, and the one owner of its byte layout.
 *
 * <pre>
 * key    := version:u8 (=1) | group:string | nkeys:uvarint | keyValue:string{nkeys} | hop:i64 | start:i64
 * string := len:uvarint | UTF-8 bytes
 * i64    := 8 bytes big-endian with the sign bit flipped, so bytes sort like the signed numbers
 * </pre>
 *
 * Everything up to and including the entity key values is {@link #entityPrefix}: a prefix scan over
 * it returns all tiles of one entity in one group, ordered by hop then start.
 *
 * @param entityKey the entity's key values in the order of the entity's {@code keys}
 * @param hopMillis the ring's hop ({@link WindowSpec#LIFETIME} for lifetime)
 * @param start     tile start in epoch millis ({@code Long.MIN_VALUE} for lifetime)
 */
public record TileKey(String group, List<String> entityKey, long hopMillis, long start) {
    static final int VERSION = 1;

    public TileKey {
        entityKey = List.copyOf(entityKey);
    }

    public byte[] encode() {
        ByteWriter out = new ByteWriter(64);
        writePrefix(out, group, entityKey);
        writeOrderedLong(out, hopMillis);
        writeOrderedLong(out, start);
        return out.toByteArray();
    }

    /** The bytes every tile key of this entity and group starts with. */
    public static byte[] entityPrefix(String group, List<String> entityKey) {
        ByteWriter out = new ByteWriter(48);
        writePrefix(out, group, entityKey);
        return out.toByteArray();
    }

    /** The bytes every entity prefix and tile key of {@code group} starts with (a prefix scan over one group). */
    public static byte[] groupPrefix(String group) {
        ByteWriter out = new ByteWriter(32);
        out.writeByte(VERSION);
        out.writeString(group);
        return out.toByteArray();
    }

    /** The key of the tile at ({@code hopMillis}, {@code start}) of the entity whose {@link #entityPrefix} is given. */
    public static byte[] encode(byte[] entityPrefix, long hopMillis, long start) {
        byte[] key = Arrays.copyOf(entityPrefix, entityPrefix.length + 16);
        writeOrdered(key, entityPrefix.length, hopMillis);
        writeOrdered(key, entityPrefix.length + 8, start);
        return key;
    }

    private static void writeOrdered(byte[] into, int at, long v) {
        long x = v ^ Long.MIN_VALUE;
        for (int i = 0; i < 8; i++) {
            into[at + i] = (byte) (x >>> (56 - 8 * i));
        }
    }

    /**
     * The length of the {@link #entityPrefix} that {@code bytes} starts with when {@code bytes} is a
     * whole tile key ({@code entityPrefix + hop + start}), else -1. Never throws: stores that keep an
     * entity's tiles together call it on arbitrary keys.
     */
    public static int entityPrefixLengthOfTileKey(byte[] bytes) {
        int prefix = prefixLength(bytes);
        return prefix >= 0 && bytes.length - prefix == 16 ? prefix : -1;
    }

    /** Whether {@code bytes} is exactly an {@link #entityPrefix}. Never throws. */
    public static boolean isEntityPrefix(byte[] bytes) {
        return prefixLength(bytes) == bytes.length;
    }

    private static int prefixLength(byte[] bytes) {
        try {
            ByteReader in = new ByteReader(bytes);
            readPrefix(in);
            return bytes.length - in.remaining();
        } catch (RuntimeException notAKey) {
            return -1;
        }
    }

    /** The (group, entity key) an {@link #entityPrefix} names. */
    public record EntityAddress(String group, List<String> entityKey) {}

    /** Decodes bytes written by {@link #entityPrefix}. */
    public static EntityAddress decodeEntityPrefix(byte[] bytes) {
        ByteReader in = new ByteReader(bytes);
        EntityAddress address = readPrefix(in);
        requireEnd(in, "entity key");
        return address;
    }

    public static TileKey decode(byte[] bytes) {
        ByteReader in = new ByteReader(bytes);
        EntityAddress address = readPrefix(in);
        long hop = in.readLong() ^ Long.MIN_VALUE;
        long start = in.readLong() ^ Long.MIN_VALUE;
        requireEnd(in, "tile key");
        return new TileKey(address.group(), address.entityKey(), hop, start);
    }

    private static EntityAddress readPrefix(ByteReader in) {
        int version = in.readByte();
        if (version != VERSION) {
            throw new CorruptDataException("unknown tile key version " + version + " (this build reads " + VERSION + ")");
        }
        String group = in.readString();
        int n = in.readLength();
        String[] keys = new String[n];
        for (int i = 0; i < n; i++) {
            keys[i] = in.readString();
        }
        return new EntityAddress(group, List.of(keys));
    }

    private static void requireEnd(ByteReader in, String what) {
        if (in.remaining() != 0) {
            throw new CorruptDataException(in.remaining() + " unexpected trailing byte(s) after " + what);
        }
    }

    private static void writePrefix(ByteWriter out, String group, List<String> entityKey) {
        out.writeByte(VERSION);
        out.writeString(group);
        out.writeUnsignedVarLong(entityKey.size());
        for (String k : entityKey) {
            out.writeString(k);
        }
    }

    private static void writeOrderedLong(ByteWriter out, long v) {
        out.writeLong(v ^ Long.MIN_VALUE);
    }
}

package dev.tessera.core.tile;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.core.codec.CorruptDataException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The slot layouts tiles were written with, by id: a layout is the list of slot fingerprints of a
 * ring (one per aggregation of its hop, in slot order), its id a 64-bit hash of that list. A tile
 * written in {@link TileCodec}'s version 2 names its layout by id instead of carrying eight bytes of
 * fingerprint per slot. A reader whose definitions have the same layout decodes it by position; one
 * whose definitions changed looks the writer's layout up here and matches slots by fingerprint.
 *
 * <p>Whoever writes tiles to a store writes the layouts they use to it too ({@link #encode}), and
 * whoever reads a store registers the layouts it finds there before decoding tiles ({@link #add}).
 * Ids are content hashes, so one registry can hold the layouts of several stores and definition
 * versions. Thread-safe.
 */
public final class TileLayouts {
    private final Map<Long, long[]> byId = new ConcurrentHashMap<>();

    /** The id of the layout {@code fingerprints}: a hash of the list, stable across JVMs and versions. */
    public static long idOf(long[] fingerprints) {
        long h = 0x9E3779B97F4A7C15L ^ fingerprints.length;
        for (long fp : fingerprints) {
            h = mix(h ^ fp) + 0x632BE59BD9B4E019L;
        }
        return mix(h);
    }

    private static long mix(long z) { // SplitMix64's finalizer
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Registers a layout; returns its id. */
    public long add(long[] fingerprints) {
        long id = idOf(fingerprints);
        long[] known = byId.putIfAbsent(id, fingerprints.clone());
        if (known != null && !Arrays.equals(known, fingerprints)) {
            throw new IllegalStateException("two tile layouts with the id " + Long.toHexString(id)
                    + ": " + Arrays.toString(known) + " and " + Arrays.toString(fingerprints));
        }
        return id;
    }

    /** The fingerprints of layout {@code id}, or null when it was never registered. */
    long[] fingerprints(long id) {
        return byId.get(id);
    }

    /** A layout as stored: its fingerprints. */
    public static byte[] encode(long[] fingerprints) {
        ByteWriter out = new ByteWriter(8 + 8 * fingerprints.length).writeByte(1).writeUnsignedVarLong(fingerprints.length);
        for (long fp : fingerprints) {
            out.writeLong(fp);
        }
        return out.toByteArray();
    }

    /** Decodes a layout written by {@link #encode}. */
    public static long[] decode(byte[] bytes) {
        ByteReader in = new ByteReader(bytes);
        int version = in.readByte();
        if (version != 1) {
            throw new CorruptDataException("unknown tile layout format version " + version);
        }
        long[] fps = new long[in.readLength()];
        for (int i = 0; i < fps.length; i++) {
            fps[i] = in.readLong();
        }
        if (in.remaining() != 0) {
            throw new CorruptDataException(in.remaining() + " unexpected trailing byte(s) after a tile layout");
        }
        return fps;
    }
}

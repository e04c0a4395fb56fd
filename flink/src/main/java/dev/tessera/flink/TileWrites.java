package dev.tessera.flink;

import dev.tessera.core.codec.ByteReader;
import dev.tessera.core.codec.ByteWriter;
import dev.tessera.store.TileStore.Space;
import dev.tessera.store.WriteSet;

/**
 * What one entity's flush writes to the online store (absolute states: puts of whole tiles and
 * values, deletes of evicted ones; never an increment), from the aggregating operator to the
 * {@link RedisTileSink}. A Flink POJO whose operations travel as one byte array:
 * {@code (space:u8 key:bytes isPut:u8 value:bytes?)*}.
 */
public final class TileWrites {
    /** The entity's newest event time (the sink's progress record takes the newest it wrote). */
    public long newestEventTime;
    public byte[] ops;
    /**
     * The {@code traceparent}s, separated by spaces, of the traced records this flush makes visible
     * (their apply spans, ADR 024); null when none, and always when tracing is off.
     */
    public String traces;

    public TileWrites() {}

    static TileWrites of(WriteSet ws, long newestEventTime, String traces) {
        ByteWriter out = new ByteWriter((int) Math.min(Integer.MAX_VALUE - 16, ws.bytes() + 8L * ws.size() + 8));
        for (WriteSet.Op op : ws.ops()) {
            out.writeByte(op.space().ordinal());
            out.writeBytes(op.key());
            if (op.isDelete()) {
                out.writeByte(0);
            } else {
                out.writeByte(1);
                out.writeBytes(op.value());
            }
        }
        TileWrites t = new TileWrites();
        t.newestEventTime = newestEventTime;
        t.ops = out.toByteArray();
        t.traces = traces;
        return t;
    }

    /** Adds the operations to {@code ws}, in order. */
    void addTo(WriteSet ws) {
        Space[] spaces = Space.values();
        ByteReader in = new ByteReader(ops);
        while (in.remaining() > 0) {
            Space space = spaces[in.readByte()];
            byte[] key = in.readBytes();
            if (in.readByte() == 0) {
                ws.delete(space, key);
            } else {
                ws.put(space, key, in.readBytes());
            }
        }
    }
}
